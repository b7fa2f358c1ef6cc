import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';

const ABANDONED_BUILD_MS = 10 * 60_000;

/** How a data folder's PGDATA came to be there. */
export type PgdataOrigin = 'existing' | 'template' | 'initdb';

export interface PgdataTemplate {
  /** Where the template is kept (`pgliteTemplateDir()`); null: nowhere, every new folder runs initdb. */
  dir: string | null;
  /**
   * Opens PGlite on a folder exactly as the app does, running initdb when the folder is new; for the template, it
   * may write more (the schema) before it is closed.
   */
  open: (pgdata: string) => Promise<{ close(): Promise<void> }>;
}

/**
 * A new data folder starts as a copy of a template PGlite data directory instead of running initdb in it:
 * initdb takes seconds, most of a first start. The template is made once per installed PGlite version (and what
 * `open` adds: the schema), by PGlite itself (`create`, then a clean `close`), and kept in
 * `node_modules/.cache/hookflow/`, so it goes away with the package that made it. Where that folder cannot be
 * written, PGlite initialises the data folder itself as before (`initdb`).
 *
 * The caller holds the data folder's lock. The copy is made beside PGDATA and renamed into place, so a crash
 * leaves either no PGDATA (the next start copies again) or a complete one.
 */
export async function preparePgdata(pgdata: string, template: PgdataTemplate): Promise<PgdataOrigin> {
  if (existsSync(pgdata) && readdirSync(pgdata).length > 0) return 'existing';
  const source = await ensureTemplate(template);
  if (source === null) return 'initdb';
  const staging = `${pgdata}.staging`;
  rmSync(staging, { recursive: true, force: true });
  try {
    cpSync(source, staging, { recursive: true });
  } catch {
    // The template went away under us (a cleared cache): initdb is slower, not worse.
    rmSync(staging, { recursive: true, force: true });
    return 'initdb';
  }
  rmSync(pgdata, { recursive: true, force: true });
  renameSync(staging, pgdata);
  return 'template';
}

/** The template folder, made first if needed; null when it cannot be kept (no writable cache folder). */
async function ensureTemplate({ dir, open }: PgdataTemplate): Promise<string | null> {
  if (dir === null) return null;
  if (existsSync(join(dir, 'PG_VERSION'))) return dir;
  const building = `${dir}.building-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    mkdirSync(dirname(dir), { recursive: true });
    removeAbandonedBuilds(dir);
    const db = await open(building);
    await db.close();
    try {
      renameSync(building, dir);
    } catch (error) {
      // Another process published the same template first; theirs is as good as ours.
      if (!existsSync(join(dir, 'PG_VERSION'))) throw error;
      rmSync(building, { recursive: true, force: true });
    }
    return dir;
  } catch {
    try {
      rmSync(building, { recursive: true, force: true });
    } catch {
      // Nothing was built where nothing can be written.
    }
    return null;
  }
}

/**
 * `<node_modules>/.cache/hookflow/pgdata-pglite-<version>-<tag>`, beside the PGlite package that makes it; `tag`
 * names what else the template holds (the schema), so templates of other contents never mix.
 */
export function pgliteTemplateDir(tag: string): string | null {
  try {
    // The CommonJS entry (.../node_modules/@electric-sql/pglite/dist/index.cjs): the package's own folder.
    const packageDir = dirname(dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite')));
    const { name, version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
      name?: string;
      version?: string;
    };
    if (name !== '@electric-sql/pglite' || !version) return null;
    const nodeModules = dirname(dirname(packageDir));
    return join(nodeModules, '.cache', 'hookflow', `pgdata-pglite-${version}-${tag}`);
  } catch {
    return null;
  }
}

/**
 * Builds left behind by processes that died while building (kill -9). Judged by age, not by process id: the
 * cache may be shared by containers, whose process ids mean nothing to each other. A build takes seconds.
 */
function removeAbandonedBuilds(template: string): void {
  const folder = dirname(template);
  const prefix = `${basename(template)}.building-`;
  for (const entry of readdirSync(folder)) {
    if (!entry.startsWith(prefix)) continue;
    const path = join(folder, entry);
    const modified = statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? Date.now();
    if (Date.now() - modified > ABANDONED_BUILD_MS) rmSync(path, { recursive: true, force: true });
  }
}
