import { PGlite } from '@electric-sql/pglite';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { TEMPLATE_PGDATA, TEST_TMP_ROOT } from './paths.js';

/**
 * Initialising a PGlite data folder (initdb) takes seconds; do it once per run and let each test copy the
 * resulting folder.
 */
export default async function setup(): Promise<void> {
  mkdirSync(TEST_TMP_ROOT, { recursive: true });
  if (process.env.HOOKFLOW_TEST_DB !== 'embedded' && process.env.HOOKFLOW_TEST_DB !== undefined) return;
  if (existsSync(join(TEMPLATE_PGDATA, 'PG_VERSION'))) return;
  rmSync(TEMPLATE_PGDATA, { recursive: true, force: true });
  const db = await PGlite.create(TEMPLATE_PGDATA);
  await db.query('SELECT 1');
  await db.close();
}
