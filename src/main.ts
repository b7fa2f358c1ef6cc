import 'reflect-metadata';
import { ConfigError, loadConfig } from './config/load-config.js';
import { startEmbeddedPostgresEarly } from './database/embedded-postgres.js';

/** SIGTERM must end the process within 10 s even if something hangs while closing. */
const SHUTDOWN_DEADLINE_MS = 9_000;

async function main(): Promise<void> {
  const config = loadConfig();
  // Loading the app's modules and starting the embedded database are most of a start-up and do not depend on
  // each other: the database starts first, on its own thread, and the app (imported only now) takes it over.
  if (config.databaseUrl === null) startEmbeddedPostgresEarly(config.dataDir, config.databasePoolSize);
  const [{ Logger }, { createApp }] = await Promise.all([import('@nestjs/common'), import('./app.factory.js')]);
  const app = await createApp(config);
  await app.listen({ port: config.port, host: config.host });
  new Logger('Main').log(`hookflow listening on ${config.host}:${config.port} (docs at ${config.publicUrl}/docs)`);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => setTimeout(() => process.exit(1), SHUTDOWN_DEADLINE_MS).unref());
  }
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(
      `hookflow failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
  }
  process.exit(1);
});
