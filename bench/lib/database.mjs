// Fresh databases for one bench run: a new PostgreSQL database, or a new embedded (PGlite) data folder.
//
//   DEFAULT_PG_URL                      TEST_DATABASE_URL, or postgres://postgres@127.0.0.1:5432/postgres
//   await freshPostgres(adminUrl = DEFAULT_PG_URL, prefix = 'bench') -> { name, url, drop() }   (BENCH_KEEP_DB=1: drop keeps it)
//   freshDataDir(prefix = 'hookflow-bench-') -> { dir, drop() }
//   await withClient(url, (client) => ...) -> result     (one pg.Client, ended afterwards)
//   await databaseStats(url) -> { commits, rollbacks, rowsReturned, rowsFetched, rowsInserted, rowsUpdated,
//                                 rowsDeleted, seqScans, idxScans, tables: { [name]: { seqScans, idxScans,
//                                 inserted, updated, hotUpdated } }, indexes: { [name]: scans } }
//     cumulative since the database was created. PostgreSQL backends publish their counters about once a second
//     while busy and when they exit: read this after the server stopped for exact figures.
//   await settledStats(url) -> databaseStats(url) a moment later (exiting backends publish last), or undefined
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export const DEFAULT_PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export async function withClient(url, use) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

export async function freshPostgres(adminUrl = DEFAULT_PG_URL, prefix = 'bench') {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  await withClient(adminUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    // BENCH_KEEP_DB=1 keeps it for a look afterwards (stage timings are in the inbox, outbox and attempt rows).
    drop: () =>
      process.env.BENCH_KEEP_DB === '1'
        ? (console.error(`kept database ${name}`), Promise.resolve())
        : withClient(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)),
  };
}

export function freshDataDir(prefix = 'hookflow-bench-') {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, drop: async () => rmSync(dir, { recursive: true, force: true }) };
}

export async function databaseStats(url) {
  return withClient(url, async (client) => {
    const db = (
      await client.query(
        `SELECT xact_commit, xact_rollback, tup_returned, tup_fetched, tup_inserted, tup_updated, tup_deleted
         FROM pg_stat_database WHERE datname = current_database()`,
      )
    ).rows[0];
    const tables = (
      await client.query(
        `SELECT relname, seq_scan, idx_scan, n_tup_ins, n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables
         WHERE seq_scan + coalesce(idx_scan, 0) + n_tup_ins + n_tup_upd > 0 ORDER BY relname`,
      )
    ).rows;
    const indexes = (
      await client.query(
        `SELECT indexrelname, idx_scan, idx_tup_read FROM pg_stat_user_indexes WHERE idx_scan > 0 ORDER BY idx_scan DESC`,
      )
    ).rows;
    const stats = {
      commits: Number(db.xact_commit),
      rollbacks: Number(db.xact_rollback),
      rowsReturned: Number(db.tup_returned),
      rowsFetched: Number(db.tup_fetched),
      rowsInserted: Number(db.tup_inserted),
      rowsUpdated: Number(db.tup_updated),
      rowsDeleted: Number(db.tup_deleted),
      seqScans: 0,
      idxScans: 0,
      tables: {},
      indexes: Object.fromEntries(indexes.map((row) => [row.indexrelname, Number(row.idx_scan)])),
    };
    for (const row of tables) {
      stats.seqScans += Number(row.seq_scan);
      stats.idxScans += Number(row.idx_scan ?? 0);
      stats.tables[row.relname] = {
        seqScans: Number(row.seq_scan),
        idxScans: Number(row.idx_scan ?? 0),
        inserted: Number(row.n_tup_ins),
        updated: Number(row.n_tup_upd),
        hotUpdated: Number(row.n_tup_hot_upd),
      };
    }
    return stats;
  });
}

export async function settledStats(url) {
  await new Promise((resolve) => setTimeout(resolve, 300));
  return databaseStats(url).catch(() => undefined);
}
