import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { createHash } from 'node:crypto';
import pg from 'pg';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { DatabaseHost } from './database-host.js';

/** Connections for bookkeeping statements: they are few, and each Batcher has at most one statement in flight. */
const BOOKKEEPING_POOL_SIZE = 6;

/** How long a connection of the main pool, and so a plan prepared on it, lives at most on PostgreSQL (see Sql). */
export const PREPARED_PLAN_LIFETIME_S = 60;

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
  /** The prepared statement's name (see Sql): the same for the same text. */
  readonly name: string;
}

export function statement(text: string, options: { bookkeeping?: boolean } = {}): Statement {
  const name = `hookflow_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
  return { text, bookkeeping: options.bookkeeping ?? false, name };
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
 * On PostgreSQL the durable statements (inbox insert, message commit, inbox reads) are prepared once per connection
 * (unless DATABASE_PREPARED_STATEMENTS=false): parsing and planning them for every batch was a fifth of
 * PostgreSQL's CPU (perf), for plans their parameters cannot change (each is one JSON value). A prepared statement
 * keeps its generic plan while its connection lives, and one made when a table was small (right after start) would
 * keep scanning it whole once it has grown, so the main pool's connections live at most PREPARED_PLAN_LIFETIME_S
 * (pg-pool `maxLifetimeSeconds`): plans follow the tables within a minute. Bookkeeping statements stay unnamed,
 * planned for every execution: prepared, their generic plans (claims, delivery outcomes) cost PostgreSQL 40 % more
 * CPU per output even with connections renewed every minute, and they are small and cheap to plan. Measured again
 * on 2026-12-07 for the delivery outcome alone: 30 instead of 45 µs per output in most runs, but 300 µs in 2 of 5,
 * when its generic plan was made right after start, against a small outbox, and kept while it grew. Also not
 * `plan_cache_mode = force_custom_plan` on the connection: that re-plans the foreign-key checks PostgreSQL runs for
 * every row written, measured 0.02 ms per output.
 */
@Injectable()
export class Sql implements OnApplicationShutdown {
  private readonly logger = new Logger('Sql');
  private readonly pool: pg.Pool;
  private readonly bookkeepingPool: pg.Pool;
  private readonly prepares: boolean;
  constructor(dataSource: DataSource, @Inject(DatabaseHost) host: DatabaseHost, @Inject(APP_CONFIG) config: AppConfig) {
    this.pool = (dataSource.driver as PostgresDriver).master as pg.Pool;
    this.bookkeepingPool = host.isEmbedded ? this.pool : this.createBookkeepingPool();
    this.prepares = Sql.prepares(config, host);
  }

  /** Whether durable statements are prepared: on PostgreSQL, unless DATABASE_PREPARED_STATEMENTS=false. */
  static prepares(config: AppConfig, host: DatabaseHost): boolean {
    return !host.isEmbedded && config.databasePreparedStatements;
  }

  query<Row extends object = Record<string, unknown>>(
    statement: Statement,
    values: unknown[],
  ): Promise<pg.QueryResult<Row>> {
    if (statement.bookkeeping) return this.bookkeepingPool.query<Row>({ text: statement.text, values });
    if (this.prepares) return this.pool.query<Row>({ name: statement.name, text: statement.text, values });
    return this.pool.query<Row>({ text: statement.text, values });
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
