import type { PGlite } from '@electric-sql/pglite';
import { createHash } from 'node:crypto';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { loadMigrations } from './migrations.loader.js';

/** TypeORM's migrations table on PostgreSQL, exactly as TypeORM creates it (so it reads what is recorded here). */
const CREATE_MIGRATIONS_TABLE = `CREATE TABLE "migrations" ("id" SERIAL NOT NULL, "timestamp" bigint NOT NULL,
  "name" character varying NOT NULL, CONSTRAINT "PK_8c82d7f526340ab734260ea46be" PRIMARY KEY ("id"))`;

/** The app's schema for new embedded data folders (see pgdata-template.ts). */
export interface PgliteSchema {
  /** Names the migrations it holds: part of the template's folder name, so a new migration makes a new template. */
  readonly tag: string;
  /** Applies every migration to an empty database and records each as TypeORM does, in one transaction each. */
  apply(db: PGlite): Promise<void>;
}

/**
 * The migrations, for building a template that already holds the schema: a new data folder then starts with
 * nothing to migrate (running them took half a second of every first start). What the template misses, TypeORM
 * still applies at start-up, and the app's own start-up check stays the authority.
 */
export async function loadPgliteSchema(): Promise<PgliteSchema> {
  const migrations = (await loadMigrations()).map((Migration) => new Migration());
  const names = migrations.map(migrationName);
  const digest = createHash('sha256').update(names.join('\n')).digest('hex').slice(0, 12);
  return { tag: `schema-${migrations.length}-${digest}`, apply: (db) => applyMigrations(db, migrations) };
}

async function applyMigrations(db: PGlite, migrations: readonly MigrationInterface[]): Promise<void> {
  await db.exec(CREATE_MIGRATIONS_TABLE);
  for (const migration of migrations) {
    const name = migrationName(migration);
    await db.transaction(async (tx) => {
      // Our migrations only ever call `query` with plain SQL (no parameters, no use of the result).
      const runner = { query: async (sql: string) => (await tx.exec(sql)).at(-1)?.rows ?? [] };
      await migration.up(runner as unknown as QueryRunner);
      await tx.query(`INSERT INTO "migrations" ("timestamp", "name") VALUES ($1, $2)`, [timestampOf(name), name]);
    });
  }
}

/** As TypeORM names a migration: its `name`, else its class name. */
function migrationName(migration: MigrationInterface): string {
  return migration.name ?? migration.constructor.name;
}

/** As TypeORM dates a migration: the last 13 digits of its name. */
function timestampOf(name: string): number {
  const timestamp = Number.parseInt(name.slice(-13), 10);
  if (!Number.isFinite(timestamp)) throw new Error(`migration ${name} has no timestamp in its name`);
  return timestamp;
}
