import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { lockDataDir } from './data-dir.js';
import type { DatabaseWorkerData, FromDatabaseWorker } from './embedded-postgres.protocol.js';
import type { PgdataOrigin } from './pgdata-template.js';

export interface EmbeddedPostgres {
  /** A `postgres://` URL the ordinary `pg` driver connects to. */
  readonly url: string;
  /** Whether PGDATA was there already, copied from the template, or initialised by PGlite on this start. */
  readonly origin: PgdataOrigin;
  /** Settles only if the database goes away without being stopped (its thread died): the app has lost it. */
  readonly lost: Promise<Error>;
  stop(): Promise<void>;
}

type Served = Omit<EmbeddedPostgres, 'url'> & { address: string };

/**
 * Node 20 cannot load the TypeScript worker entry, so under vitest (sources) the same server runs on the main
 * thread; the built app always gives it its own thread.
 */
const RUNS_FROM_SOURCES = import.meta.url.endsWith('.ts');

/**
 * Starts the embedded PostgreSQL (PGlite, see pglite-server.ts) on DATA_DIR, on a thread of its own: its start-up
 * (most of a restart's) overlaps the loading of the rest of the app, and its queries leave the main event loop
 * free. The data folder's lock is taken here, by this process, and released once the database has stopped.
 */
export async function startEmbeddedPostgres(dataDir: string, maxConnections: number): Promise<EmbeddedPostgres> {
  const releaseLock = lockDataDir(dataDir);
  try {
    // The server refuses connections past maxConnections; leave headroom above the pool for the migration runner.
    const data: DatabaseWorkerData = { pgdata: resolve(join(dataDir, 'pgdata')), maxConnections: maxConnections + 4 };
    const served = RUNS_FROM_SOURCES ? await serveInProcess(data) : await serveInThread(data);
    return {
      url: `postgres://postgres@${served.address}/postgres`,
      origin: served.origin,
      lost: served.lost,
      async stop() {
        await served.stop();
        releaseLock();
      },
    };
  } catch (error) {
    releaseLock();
    throw error;
  }
}

let early: { dataDir: string; started: Promise<EmbeddedPostgres> } | null = null;

/**
 * main.ts starts the embedded database before it loads the rest of the app, so that the two overlap; the
 * DatabaseHost takes it over (`takeEarlyEmbeddedPostgres`) instead of starting its own.
 */
export function startEmbeddedPostgresEarly(dataDir: string, maxConnections: number): void {
  const started = startEmbeddedPostgres(dataDir, maxConnections);
  // A failure (a folder in use) is the taker's to report, not an unhandled rejection before it awaits.
  started.catch(() => undefined);
  early = { dataDir, started };
}

/** The database main.ts started on this folder, handed over once; null when there is none. */
export function takeEarlyEmbeddedPostgres(dataDir: string): Promise<EmbeddedPostgres> | null {
  if (early?.dataDir !== dataDir) return null;
  const { started } = early;
  early = null;
  return started;
}

async function serveInProcess(data: DatabaseWorkerData): Promise<Served> {
  const { servePglite } = await import('./pglite-server.js');
  const server = await servePglite(data.pgdata, data.maxConnections);
  return { address: server.address, origin: server.origin, lost: new Promise(() => {}), stop: () => server.close() };
}

function serveInThread(data: DatabaseWorkerData): Promise<Served> {
  const worker = new Worker(new URL('./embedded-postgres.worker.js', import.meta.url), { workerData: data });
  let state: 'starting' | 'serving' | 'stopping' | 'ended' = 'starting';
  let reportLost: (error: Error) => void = () => {};
  const lost = new Promise<Error>((resolve) => (reportLost = resolve));
  let stopped: { resolve(): void; reject(error: Error): void } | null = null;
  return new Promise<Served>((resolveStart, rejectStart) => {
    const end = (error: Error | null): void => {
      const was = state;
      state = 'ended';
      if (was === 'starting') rejectStart(error ?? new Error('the embedded database stopped while starting'));
      else if (was === 'serving') reportLost(error ?? new Error('the embedded database stopped'));
      else if (was === 'stopping' && error) stopped?.reject(error);
      else if (was === 'stopping') stopped?.resolve();
      void worker.terminate();
    };
    const stop = (): Promise<void> => {
      if (state !== 'serving') return Promise.resolve();
      state = 'stopping';
      return new Promise<void>((resolve, reject) => {
        stopped = { resolve, reject };
        worker.postMessage({ type: 'stop' });
      });
    };
    worker.on('message', (message: FromDatabaseWorker) => {
      switch (message.type) {
        case 'ready':
          state = 'serving';
          resolveStart({ address: message.address, origin: message.origin, lost, stop });
          return;
        case 'failed':
          end(new Error(`embedded database: ${message.message}`));
          return;
        case 'stopped':
          end(null);
          return;
      }
    });
    worker.on('error', (error) => end(error));
    worker.on('exit', (code) => {
      if (state !== 'ended') end(new Error(`the embedded database's thread exited (code ${code})`));
    });
  });
}
