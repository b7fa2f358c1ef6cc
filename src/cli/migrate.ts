import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { ConfigError, loadConfig } from '../config/load-config.js';
import { buildDataSourceOptions, runMigrations } from '../database/data-source.factory.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../database/embedded-postgres.js';

/** `npm run migration:run` / `migration:revert`: migrations as a separate deployment step. */
async function main(direction: string | undefined): Promise<void> {
  if (direction !== 'up' && direction !== 'down') throw new Error('usage: migrate.js up|down');
  const config = loadConfig();
  let embedded: EmbeddedPostgres | null = null;
  const url = config.databaseUrl ?? (embedded = await startEmbeddedPostgres(config.dataDir, 2)).url;
  const dataSource = await new DataSource(
    await buildDataSourceOptions({ url, poolSize: embedded ? 1 : 2, entities: [] }),
  ).initialize();
  try {
    if (direction === 'up') {
      const applied = await runMigrations(dataSource, { lock: embedded === null });
      process.stdout.write(applied.length > 0 ? `applied: ${applied.join(', ')}\n` : 'nothing to apply\n');
    } else {
      await dataSource.undoLastMigration({ transaction: 'each' });
      process.stdout.write('reverted the last migration\n');
    }
  } finally {
    await dataSource.destroy();
    await embedded?.stop();
  }
}

main(process.argv[2]).catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof ConfigError ? error.message : error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
