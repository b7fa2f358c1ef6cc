import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { TEMPLATE_PGDATA, TEST_TMP_ROOT } from './paths.js';

export type TestDatabaseKind = 'embedded' | 'postgres';

export interface TestDatabase {
  kind: TestDatabaseKind;
  /** Set for PostgreSQL; null means "embedded in dataDir". */
  databaseUrl: string | null;
  dataDir: string;
  drop(): Promise<void>;
}

export function testDatabaseKind(): TestDatabaseKind {
  return process.env.HOOKFLOW_TEST_DB === 'postgres' ? 'postgres' : 'embedded';
}

/** A fresh, empty database for one test file: its own PostgreSQL database, or its own PGlite data folder. */
export async function createTestDatabase(kind = testDatabaseKind()): Promise<TestDatabase> {
  const dataDir = mkdtempSync(join(TEST_TMP_ROOT, 'data-'));
  if (kind === 'embedded') {
    cpSync(TEMPLATE_PGDATA, join(dataDir, 'pgdata'), { recursive: true });
    return {
      kind,
      databaseUrl: null,
      dataDir,
      drop: () => Promise.resolve(rmSync(dataDir, { recursive: true, force: true })),
    };
  }
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) throw new Error('TEST_DATABASE_URL is not set');
  const name = `hookflow_test_${randomBytes(6).toString('hex')}`;
  await withClient(adminUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    kind,
    databaseUrl: url.toString(),
    dataDir,
    drop: async () => {
      await withClient(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
