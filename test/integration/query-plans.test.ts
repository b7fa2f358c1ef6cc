import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FINISH_ATTEMPTS, FINISH_DELIVERIES } from '../../src/modules/delivery/outbox.repository.js';
import { INSERT_MESSAGES } from '../../src/modules/pipeline/inbox.repository.js';
import { MessageCommitter } from '../../src/modules/pipeline/message-committer.js';
import { RELEASE_IF_IDLE } from '../../src/modules/pipeline/session.repository.js';
import type { Statement } from '../../src/database/sql.js';
import { createEndpoint, createFlow, sayFlow } from '../factories/index.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { testDatabaseKind } from '../support/test-database.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';

/**
 * The hot statements find their rows by key, whatever the size of the tables: each batch comes as one JSON
 * parameter, which the planner always takes for 100 rows, and joined to a table of a few thousand rows that once
 * made it read the whole table (sessions, outbox) or every pending entry of the inbox's index, for every batch.
 * PostgreSQL only: the embedded database is one connection of one process, with the same SQL.
 */
describe.skipIf(testDatabaseKind() !== 'postgres')('query plans of the hot statements', () => {
  let t: TestApp;
  let db: DataSource;
  let receiver: WebhookReceiver;
  let endpointId: string;

  /** The plan PostgreSQL would run `statement` with (its generic plan, as a prepared statement keeps it). */
  const plan = async (statement: Statement, params: unknown[]): Promise<string> => {
    const runner = db.createQueryRunner();
    try {
      await runner.query(`SET plan_cache_mode = force_generic_plan`);
      await runner.query(`PREPARE planned AS ${statement.text}`);
      // EXECUTE takes no bind parameters: the values go in as literals.
      const literals = params.map((value) => `'${String(value).replace(/'/g, "''")}'`).join(', ');
      const rows: Array<{ 'QUERY PLAN': string }> = await runner.query(`EXPLAIN EXECUTE planned(${literals})`);
      return rows.map((row) => row['QUERY PLAN']).join('\n');
    } finally {
      await runner.query(`DEALLOCATE ALL`).catch(() => undefined);
      await runner.release();
    }
  };
  const keyRow = { e: '00000000-0000-4000-8000-000000000000', u: 'u', s: 's', owner: 'me' };
  // A full read of a large table, or of the inbox's pending index without a key.
  const FULL_READ = /Seq Scan on (sessions|outbox|inbound_messages)|Bitmap Heap Scan on inbound_messages/;

  beforeAll(async () => {
    t = await startTestApp();
    db = t.app.get(DataSource);
    receiver = await WebhookReceiver.start();
    const flowId = (await createFlow(t, sayFlow('hi'))).id;
    const endpoint = await createEndpoint(t, { flowId, webhookUrl: receiver.url });
    endpointId = endpoint.id;
    // One message through the pipeline, so that the message commit's statement is built.
    const res = await t.request('POST', `/endpoint/${endpoint.URLToken}`, {
      body: { userId: 'u', sessionId: 's', text: 'hi' },
    });
    expect(res.status).toBe(202);
    await receiver.waitForDelivered(1);
    // A few thousand conversations, outputs and processed messages, and some pending ones, as the planner sees them.
    await db.query(
      `INSERT INTO sessions (endpoint_id, user_id, session_id)
       SELECT $1, 'u', 'quiet-' || n FROM generate_series(1, 5000) n`,
      [endpointId],
    );
    await db.query(
      `INSERT INTO outbox (id, endpoint_id, user_id, session_id, sequence, body, status)
       SELECT gen_random_uuid(), $1, 'u', 'quiet-' || n, 1, '{}', 'delivered' FROM generate_series(1, 5000) n`,
      [endpointId],
    );
    await db.query(
      `INSERT INTO inbound_messages (id, endpoint_id, user_id, session_id, trace_id, status)
       SELECT gen_random_uuid(), $1, 'u', 'quiet-' || n, 't', CASE WHEN n % 5 = 0 THEN 'pending' ELSE 'done' END
       FROM generate_series(1, 5000) n`,
      [endpointId],
    );
    await db.query(`ANALYZE sessions, outbox, inbound_messages`);
  });
  afterAll(async () => {
    await receiver?.close();
    await t?.close();
  });

  it('the inbox insert probes the pending messages and the lease of each session by key', async () => {
    const text = await plan(INSERT_MESSAGES, ['[]', 'me', '15000']);
    expect(text).toContain('idx_inbound_pending_session');
    expect(text).not.toMatch(FULL_READ);
  });

  it('the message commit locks, updates and probes each session by key', async () => {
    const committer: unknown = t.app.get(MessageCommitter);
    const commit = (committer as { commitStatement: Statement | null }).commitStatement;
    expect(commit).not.toBeNull();
    const parameters = commit!.text.match(/\$\d+/g)!.map((p) => Number(p.slice(1)));
    const text = await plan(
      commit!,
      Array.from({ length: Math.max(...parameters) }, () => '[]'),
    );
    expect(text).toContain('Index Scan using idx_sessions_endpoint_session on sessions');
    expect(text).not.toMatch(FULL_READ);
  });

  it("releasing idle sessions probes each one's pending messages and locks it by key", async () => {
    const text = await plan(RELEASE_IF_IDLE, [JSON.stringify([keyRow])]);
    expect(text).not.toMatch(FULL_READ);
  });

  it.each([
    ['attempts', FINISH_ATTEMPTS],
    ['deliveries only', FINISH_DELIVERIES],
  ])('recording delivery outcomes (%s) finds each output by key', async (_name, finish) => {
    const text = await plan(finish, [JSON.stringify([{ id: keyRow.e, owner: 'me' }])]);
    expect(text).toMatch(/Index Cond: \(id = ANY/);
    expect(text).not.toMatch(FULL_READ);
  });
});
