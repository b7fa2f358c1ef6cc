import { DataSource, type DataSourceOptions } from 'typeorm';
import { loadMigrations } from './migrations.loader.js';

/** Any fixed number; every instance uses it to take turns running migrations. */
const MIGRATION_LOCK_ID = 7_264_913_001;

export interface DataSourceSettings {
  url: string;
  poolSize: number;
  /** Connections are replaced after this long (0: never); see Sql on prepared plans. */
  connectionLifetimeS?: number;
  entities: NonNullable<DataSourceOptions['entities']>;
}

export async function buildDataSourceOptions(settings: DataSourceSettings): Promise<DataSourceOptions> {
  return {
    type: 'postgres',
    url: settings.url,
    entities: settings.entities,
    migrations: await loadMigrations(),
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    // Errors reach our own logs through the callers; TypeORM's would print query parameters (user data).
    logging: false,
    extra: {
      max: settings.poolSize,
      maxLifetimeSeconds: settings.connectionLifetimeS ?? 0,
      connectionTimeoutMillis: 5_000,
      // Fail fast on a stuck database instead of hanging requests forever: the server-side limit, and a
      // client-side one for when the network itself stops answering (a partition sends no reset).
      statement_timeout: 30_000,
      query_timeout: 35_000,
      application_name: 'hookflow',
    },
  };
}

/**
 * Runs pending migrations under an advisory lock, so instances starting together on one PostgreSQL take
 * turns instead of racing to create the same tables.
 */
export async function runMigrations(
  dataSource: DataSource,
  options: { lock: boolean } = { lock: true },
): Promise<string[]> {
  if (!options.lock)
    return (await dataSource.runMigrations({ transaction: 'each' })).map((migration) => migration.name);
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    try {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      return applied.map((migration) => migration.name);
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]);
    }
  } finally {
    await runner.release();
  }
}
