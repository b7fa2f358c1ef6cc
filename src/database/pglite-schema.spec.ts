import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDataSourceOptions } from './data-source.factory.js';
import { loadMigrations } from './migrations.loader.js';
import { loadPgliteSchema } from './pglite-schema.js';

// A template built with the schema must look, to TypeORM, exactly like a database it migrated itself.
describe('loadPgliteSchema', () => {
  let db: PGlite;
  let server: PGLiteSocketServer;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await PGlite.create();
    await (await loadPgliteSchema()).apply(db);
    server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0 });
    await server.start();
    const options = await buildDataSourceOptions({
      url: `postgres://postgres@${server.getServerConn()}/postgres`,
      poolSize: 1,
      entities: [],
    });
    dataSource = await new DataSource(options).initialize();
  }, 60_000);
  afterAll(async () => {
    await dataSource?.destroy();
    await server?.stop();
    await db?.close();
  });

  it('leaves TypeORM no migration to run', async () => {
    expect(await dataSource.showMigrations()).toBe(false);
    expect(await dataSource.runMigrations({ transaction: 'each' })).toEqual([]);
  });

  it('records every migration by name and timestamp, in order', async () => {
    const rows: Array<{ timestamp: string; name: string }> = await dataSource.query(
      `SELECT "timestamp", name FROM migrations ORDER BY id`,
    );
    const names = (await loadMigrations()).map((Migration) => new Migration().name);
    expect(rows.map((row) => row.name)).toEqual(names);
    expect(rows.map((row) => Number(row.timestamp))).toEqual(names.map((name) => Number(name?.slice(-13))));
  });

  it('names the schema by its migrations', async () => {
    const { tag } = await loadPgliteSchema();
    expect(tag).toMatch(/^schema-\d+-[0-9a-f]{12}$/);
    expect(tag.startsWith(`schema-${(await loadMigrations()).length}-`)).toBe(true);
  });
});
