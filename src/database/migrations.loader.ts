import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { MigrationInterface } from 'typeorm';

type MigrationClass = new () => MigrationInterface;

/**
 * migrations/ sits beside src/ and is compiled to dist/migrations/, so its index is found relative to this
 * file: `../migrations/index.js` when built, `../../migrations/index.ts` when running from source (tests).
 */
export async function loadMigrations(): Promise<MigrationClass[]> {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, '../migrations/index.js'), join(here, '../../migrations/index.ts')];
  const indexPath = candidates.find((candidate) => existsSync(candidate));
  if (!indexPath) throw new Error(`migrations index not found (looked at ${candidates.join(', ')})`);
  const module = (await import(pathToFileURL(indexPath).href)) as { migrations: MigrationClass[] };
  return module.migrations;
}
