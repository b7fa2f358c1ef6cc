import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { lockDataDir } from './data-dir.js';

export interface EmbeddedPostgres {
  /** A `postgres://` URL the ordinary `pg` driver connects to. */
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Runs PGlite in this process behind a PostgreSQL wire-protocol server on a loopback port, so the app reaches
 * it through the same `pg` driver as a real server (typeorm-pglite shares one session across the pool and
 * silently interleaves transactions; see STACK-NOTES).
 */
export async function startEmbeddedPostgres(dataDir: string, maxConnections: number): Promise<EmbeddedPostgres> {
  const releaseLock = lockDataDir(dataDir);
  try {
    const pgdata = resolve(join(dataDir, 'pgdata'));
    mkdirSync(pgdata, { recursive: true });
    const db = await PGlite.create(pgdata);
    // The server refuses connections past maxConnections; leave headroom above the pool for the migration runner.
    const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: maxConnections + 4 });
    await server.start();
    return {
      url: `postgres://postgres@${server.getServerConn()}/postgres`,
      async stop() {
        await server.stop();
        await db.close();
        releaseLock();
      },
    };
  } catch (error) {
    releaseLock();
    throw error;
  }
}
