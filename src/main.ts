import 'reflect-metadata';
import { setFlagsFromString } from 'node:v8';
import { ConfigError, loadConfig } from './config/load-config.js';
import { startEmbeddedPostgresEarly } from './database/embedded-postgres.js';

/** SIGTERM must end the process within 10 s even if something hangs while closing. */
const SHUTDOWN_DEADLINE_MS = 9_000;

/**
 * V8 lets the old generation grow to four times what survived its last full collection before collecting again.
 * Under load most of what reaches the old generation here is short-lived (a message waits a few hundred
 * milliseconds between its stages), so the heap stood at 3x its live size: 300 MB of resident memory for 70 MB of
 * live data. Three times is enough; measured at full load, peak RSS 300 -> 260 MB, CPU per message unchanged
 * within the measurement's noise. Set before anything is loaded: the factor is read at every full collection.
 */
setFlagsFromString('--heap-growing-percent=200');

/**
 * V8 allocates objects straight into the old generation from the places in the code whose objects often survived
 * a young-generation collection. Here that is most places on the message path whenever a backlog makes messages
 * wait (the first seconds of a run, a slow receiver), and the decision sticks once load eases: the messages'
 * short-lived objects then fill the old generation, and its collections (one every few seconds) stall the event
 * loop for 20-30 ms each. Without it, at half of the maximum rate (bench/load.mjs --rate=1350 --warm-up=3000), 8
 * alternating pairs: end-to-end p99 37-64 -> 27-47 ms, 4-6 -> 3-5 full collections in 15 s, peak RSS 262-270 ->
 * 257-263 MB; 3 pairs at full rate: the same throughput and CPU per message.
 */
setFlagsFromString('--no-allocation-site-pretenuring');

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
