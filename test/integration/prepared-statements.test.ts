import type pg from 'pg';
import { DataSource } from 'typeorm';
import { PREPARED_PLAN_LIFETIME_S, Sql } from '../../src/database/sql.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEndpoint, createFlow, sayFlow } from '../factories/index.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { testDatabaseKind } from '../support/test-database.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';

const mainPool = (t: TestApp): pg.Pool => (t.app.get(DataSource).driver as unknown as { master: pg.Pool }).master;
const bookkeepingPool = (t: TestApp): pg.Pool => t.app.get<Sql, { bookkeepingPool: pg.Pool }>(Sql).bookkeepingPool;

/** The prepared statements of every connection in a pool of the app (all idle once the work is done). */
async function preparedStatements(t: TestApp, pool = mainPool(t)): Promise<string[]> {
  const clients = await Promise.all(Array.from({ length: pool.totalCount }, () => pool.connect()));
  try {
    const names = new Set<string>();
    for (const client of clients) {
      const { rows } = await client.query<{ name: string; statement: string }>(
        `SELECT name, statement FROM pg_prepared_statements`,
      );
      for (const row of rows) names.add(`${row.name} ${row.statement.replace(/\s+/g, ' ').slice(0, 60)}`);
    }
    return [...names].sort();
  } finally {
    for (const client of clients) client.release();
  }
}

describe.skipIf(testDatabaseKind() !== 'postgres')('prepared statements on PostgreSQL', () => {
  let receiver: WebhookReceiver;

  /** Runs five messages through an app started with `env`; returns the app (closed by the caller). */
  const runMessages = async (env: Record<string, string>): Promise<TestApp> => {
    const t = await startTestApp({ env });
    const flow = await createFlow(t, sayFlow('hi'));
    const endpoint = await createEndpoint(t, { flowId: flow.id, webhookUrl: receiver.url });
    const before = receiver.delivered().length;
    for (let index = 0; index < 5; index += 1) {
      const res = await t.request('POST', `/endpoint/${endpoint.URLToken}`, {
        body: { userId: 'u', sessionId: `s${index % 2}`, text: `m${index}` },
      });
      expect(res.status).toBe(202);
    }
    await receiver.waitForDelivered(before + 5);
    return t;
  };

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
  });
  afterAll(async () => {
    await receiver?.close();
  });

  it('prepares the inbox insert and the message commit once per connection', async () => {
    const t = await runMessages({});
    try {
      const prepared = await preparedStatements(t);
      expect(
        prepared.some((entry) => /^hookflow_\w+ WITH inserted AS \( INSERT INTO inbound_messages/.test(entry)),
      ).toBe(true);
      expect(prepared.some((entry) => /^hookflow_\w+ WITH session_saves AS MATERIALIZED/.test(entry))).toBe(true);
      // A plan is kept at most as long as its connection: renewed every minute, plans follow the tables' growth.
      expect(mainPool(t).options.maxLifetimeSeconds).toBe(PREPARED_PLAN_LIFETIME_S);
      // Bookkeeping statements are planned for every execution (see Sql): a generic plan made while the outbox was
      // small, kept as it grew, made delivery outcomes ten times dearer.
      expect(await preparedStatements(t, bookkeepingPool(t))).toEqual([]);
    } finally {
      await t.close();
    }
  });

  it('prepares nothing with DATABASE_PREPARED_STATEMENTS=false (for a pooler that cannot keep them)', async () => {
    const t = await runMessages({ DATABASE_PREPARED_STATEMENTS: 'false' });
    try {
      expect(await preparedStatements(t)).toEqual([]);
      expect(await preparedStatements(t, bookkeepingPool(t))).toEqual([]);
      expect(mainPool(t).options.maxLifetimeSeconds).toBe(0);
    } finally {
      await t.close();
    }
  });
});
