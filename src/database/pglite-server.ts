import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { mkdirSync } from 'node:fs';
import { pgliteTemplateDir, preparePgdata, type PgdataOrigin } from './pgdata-template.js';
import { loadPgliteSchema } from './pglite-schema.js';

export interface PgliteServer {
  /** `host:port` of the wire-protocol server, on loopback. */
  readonly address: string;
  readonly origin: PgdataOrigin;
  close(): Promise<void>;
}

/**
 * PGlite on `pgdata` behind a PostgreSQL wire-protocol server on a loopback port, so the app reaches it through
 * the same `pg` driver as a real server (typeorm-pglite shares one session across the pool and silently
 * interleaves transactions; see STACK-NOTES). A new folder starts from the template (pgdata-template.ts), which
 * holds the app's schema already (pglite-schema.ts).
 * The caller holds the data folder's lock.
 */
export async function servePglite(pgdata: string, maxConnections: number): Promise<PgliteServer> {
  const schema = await loadPgliteSchema();
  const origin = await preparePgdata(pgdata, {
    dir: pgliteTemplateDir(schema.tag),
    open: async (dir) => {
      const db = await openPglite(dir);
      await schema.apply(db);
      return db;
    },
  });
  mkdirSync(pgdata, { recursive: true });
  const db = await openPglite(pgdata);
  try {
    const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections });
    await server.start();
    return {
      address: server.getServerConn(),
      origin,
      async close() {
        await server.stop();
        await db.close();
      },
    };
  } catch (error) {
    await db.close();
    throw error;
  }
}

/**
 * Every PGlite this app opens, the data folder's and the template's alike. An option that changes what initdb
 * writes must also change the template's name (`pgliteTemplateDir`).
 */
function openPglite(pgdata: string): Promise<PGlite> {
  return PGlite.create(pgdata);
}
