import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import pg from 'pg';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver.js';
import { DatabaseHost } from './database-host.js';

/** Connections for bookkeeping statements: they are few, and each Batcher has at most one statement in flight. */
const BOOKKEEPING_POOL_SIZE = 6;

/** A hot-path statement. */
export interface Statement {
  readonly text: string;
  /**
   * Bookkeeping that may be lost in a PostgreSQL crash without breaking a guarantee: leases (lost, they are
   * taken again) and delivery outcomes (lost, the output is sent again: a duplicate, like any attempt in flight
   * at a crash). Such statements commit without waiting for their WAL flush. WAL is written in order, so once a
   * later durable commit is flushed, every bookkeeping commit before it is too: a delivery recorded before the
   * next output of its session was sent can only be lost together with everything after it.
   */
  readonly bookkeeping: boolean;
}

export function statement(text: string, options: { bookkeeping?: boolean } = {}): Statement {
  return { text, bookkeeping: options.bookkeeping ?? false };
}

/** SQL for now() plus `milliseconds` (an SQL expression: a column or a parameter). */
export function millisecondsFromNow(milliseconds: string): string {
  return `now() + make_interval(secs => ${milliseconds}::float8 / 1000)`;
}

/**
 * Direct access to the pg pool behind TypeORM's DataSource, for the message pipeline's hot path: no per-query
 * QueryRunner is built. Admin code keeps using TypeORM. It is the same pool, so the embedded database's
 * one-connection rule holds for both. On PostgreSQL, bookkeeping statements go through a small second pool whose
 * sessions run with `synchronous_commit = off`.
 *
 * The statements are unnamed, so every execution is planned for its own parameters and the table as it is then. A
 * named one gets a generic plan cached for the connection's life, and one made while a table was small (right
 * after start, or where no ANALYZE has run yet) can keep scanning the whole table once it has grown: measured, a
 * delivery claim that scanned every due output took 400 ms instead of 1 ms. Planning these statements costs far
 * less than that, once per batch. (Not `plan_cache_mode = force_custom_plan` on the connection instead: that also
 * re-plans the foreign-key checks PostgreSQL runs for every row written, measured 0.02 ms per output.)
 */
@Injectable()
export class Sql implements OnApplicationShutdown {
  private readonly logger = new Logger('Sql');
  private readonly pool: pg.Pool;
  private readonly bookkeepingPool: pg.Pool;
  constructor(dataSource: DataSource, @Inject(DatabaseHost) host: DatabaseHost) {
    this.pool = (dataSource.driver as PostgresDriver).master as pg.Pool;
    this.bookkeepingPool = host.isEmbedded ? this.pool : this.createBookkeepingPool();
  }

  query<Row extends object = Record<string, unknown>>(
    statement: Statement,
    values: unknown[],
  ): Promise<pg.QueryResult<Row>> {
    const pool = statement.bookkeeping ? this.bookkeepingPool : this.pool;
    return pool.query<Row>({ text: statement.text, values });
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.bookkeepingPool !== this.pool) await this.bookkeepingPool.end();
  }

  private createBookkeepingPool(): pg.Pool {
    const pool = new pg.Pool({
      ...this.pool.options,
      max: BOOKKEEPING_POOL_SIZE,
      options: '-c synchronous_commit=off',
    });
    // An idle connection dropped by the server (restart, outage) must not crash the process; queries on it fail
    // and their callers retry.
    pool.on('error', (error) => this.logger.warn(`bookkeeping connection lost: ${error.message}`));
    return pool;
  }
}
