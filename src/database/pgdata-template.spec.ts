import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { preparePgdata, type PgdataTemplate } from './pgdata-template.js';

/** Stands in for PGlite: "initdb" writes PG_VERSION and one data file, marked with the folder it ran in. */
function fakePglite() {
  const opened: string[] = [];
  const open: PgdataTemplate['open'] = (dir) => {
    opened.push(dir);
    mkdirSync(join(dir, 'base'), { recursive: true });
    writeFileSync(join(dir, 'PG_VERSION'), '18\n');
    writeFileSync(join(dir, 'base', 'data'), `made in ${dir}`);
    return Promise.resolve({ close: () => Promise.resolve() });
  };
  return { open, opened };
}

describe('preparePgdata', () => {
  let root: string;
  let cache: string;
  let pgdata: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'pgdata-template-'));
    cache = join(root, 'node_modules', '.cache', 'hookflow', 'pgdata-pglite-test');
    pgdata = join(root, 'data', 'pgdata');
    mkdirSync(join(root, 'data'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('makes the template once, then gives every new folder a copy of it', async () => {
    const pglite = fakePglite();

    expect(await preparePgdata(pgdata, { dir: cache, open: pglite.open })).toBe('template');
    const other = join(root, 'other', 'pgdata');
    expect(await preparePgdata(other, { dir: cache, open: pglite.open })).toBe('template');

    expect(pglite.opened).toHaveLength(1);
    expect(pglite.opened[0]).not.toBe(cache); // built aside, then published by a rename
    for (const folder of [pgdata, other]) {
      expect(readFileSync(join(folder, 'base', 'data'), 'utf8')).toBe(`made in ${pglite.opened[0]}`);
    }
    expect(readdirSync(join(root, 'data'))).toEqual(['pgdata']); // no staging folder left behind
    expect(readdirSync(join(root, 'node_modules', '.cache', 'hookflow'))).toEqual(['pgdata-pglite-test']);
  });

  it('leaves a folder that holds a database alone', async () => {
    mkdirSync(pgdata);
    writeFileSync(join(pgdata, 'PG_VERSION'), '18\n');
    const pglite = fakePglite();

    expect(await preparePgdata(pgdata, { dir: cache, open: pglite.open })).toBe('existing');

    expect(pglite.opened).toEqual([]);
    expect(existsSync(cache)).toBe(false);
  });

  it('copies into an empty PGDATA folder and replaces a staging copy an earlier start left unfinished', async () => {
    mkdirSync(pgdata);
    mkdirSync(`${pgdata}.staging`);
    writeFileSync(join(`${pgdata}.staging`, 'half-copied'), '');

    expect(await preparePgdata(pgdata, { dir: cache, open: fakePglite().open })).toBe('template');

    expect(readdirSync(pgdata).sort()).toEqual(['PG_VERSION', 'base']);
    expect(existsSync(`${pgdata}.staging`)).toBe(false);
  });

  it('leaves initdb to PGlite when there is nowhere to keep a template', async () => {
    const pglite = fakePglite();
    const blocked = join(root, 'a-file');
    writeFileSync(blocked, '');

    expect(await preparePgdata(pgdata, { dir: null, open: pglite.open })).toBe('initdb');
    expect(await preparePgdata(pgdata, { dir: join(blocked, 'template'), open: pglite.open })).toBe('initdb');

    expect(existsSync(pgdata)).toBe(false);
  });

  it('clears builds abandoned long ago, not one that may still be running', async () => {
    const cacheFolder = join(root, 'node_modules', '.cache', 'hookflow');
    mkdirSync(join(cacheFolder, 'pgdata-pglite-test.building-1-dead'), { recursive: true });
    mkdirSync(join(cacheFolder, 'pgdata-pglite-test.building-2-live'));
    const longAgo = new Date(Date.now() - 60 * 60_000);
    utimesSync(join(cacheFolder, 'pgdata-pglite-test.building-1-dead'), longAgo, longAgo);

    await preparePgdata(pgdata, { dir: cache, open: fakePglite().open });

    expect(readdirSync(cacheFolder).sort()).toEqual(['pgdata-pglite-test', 'pgdata-pglite-test.building-2-live']);
  });
});
