import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver.js';
import { DatabaseHost } from './database-host.js';

/** A hot-path statement: prepared once per connection under its name, then only bound and executed. */
export interface Statement {
  readonly name: string;
  readonly text: string;
}

export function statement(name: string, text: string): Statement {
  return { name, text };
}

/**
 * Direct access to the pg pool behind TypeORM's DataSource, for the message pipeline's hot path: named prepared
 * statements skip re-parsing and re-planning, and no per-query QueryRunner is built. Admin code keeps using
 * TypeORM. It is the same pool, so the embedded database's one-connection rule holds for both.
 */
@Injectable()
export class Sql {
  private readonly pool: pg.Pool;
  /**
   * Embedded: no names. PGlite keeps one session for every connection, so a statement prepared by a connection
   * that was later replaced still exists, and the new connection's PREPARE of the same name would fail.
   */
  private readonly named: boolean;

  constructor(dataSource: DataSource, @Inject(DatabaseHost) host: DatabaseHost) {
    this.pool = (dataSource.driver as PostgresDriver).master as pg.Pool;
    this.named = !host.isEmbedded;
  }

  query<Row extends object = Record<string, unknown>>(
    statement: Statement,
    values: unknown[],
  ): Promise<pg.QueryResult<Row>> {
    const config: pg.QueryConfig = this.named
      ? { name: statement.name, text: statement.text, values }
      : { text: statement.text, values };
    return this.pool.query<Row>(config);
  }
}
