import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RetentionPurger } from '../../src/modules/conversation/retention-purger.js';
import { RetentionRepository } from '../../src/modules/conversation/retention.repository.js';
import { EndpointConfigService } from '../../src/modules/endpoint-config/endpoint-config.service.js';
import { createEndpoint, createFlow, DEFAULT_WEBHOOK_URL } from '../factories/index.js';
import { eventually } from '../support/eventually.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';

const TABLES = {
  transcripts: 'transcript_entries',
  analytics: 'analytics_events',
  deliveries: 'outbox',
  inbox: 'inbound_messages',
} as const;

describe('retention purge', () => {
  let t: TestApp;
  let db: DataSource;
  let receiver: WebhookReceiver;
  let purger: RetentionPurger;
  let a: { id: string; URLToken: string };
  let b: { id: string; URLToken: string };
  let c: { id: string; URLToken: string };

  const send = async (endpoint: { URLToken: string }, sessionId: string) => {
    const res = await t.request('POST', `/endpoint/${endpoint.URLToken}`, {
      body: { userId: 'u', sessionId, text: 'hello' },
    });
    expect(res.status).toBe(202);
  };

  /** Rows per table of one conversation. */
  const counts = async (endpointId: string, sessionId: string) => {
    const result: Record<string, number> = {};
    for (const [name, table] of Object.entries(TABLES)) {
      const [row] = await db.query(
        `SELECT count(*)::int AS n FROM ${table} WHERE endpoint_id = $1 AND user_id = 'u' AND session_id = $2`,
        [endpointId, sessionId],
      );
      result[name] = row.n;
    }
    return result;
  };

  const attempts = async (endpointId: string, sessionId: string): Promise<number> => {
    const [row] = await db.query(
      `SELECT count(*)::int AS n FROM delivery_attempts x JOIN outbox o ON o.id = x.outbox_id
       WHERE o.endpoint_id = $1 AND o.session_id = $2`,
      [endpointId, sessionId],
    );
    return row.n;
  };

  /** Moves every record of the conversations named `old` ten days into the past. */
  const ageOldConversations = async () => {
    const past = `now() - interval '10 days'`;
    await db.query(`UPDATE transcript_entries SET created_at = ${past} WHERE session_id = 'old'`);
    await db.query(`UPDATE analytics_events SET created_at = ${past} WHERE session_id = 'old'`);
    await db.query(
      `UPDATE outbox SET created_at = ${past}, finished_at = finished_at - interval '10 days' WHERE session_id = 'old'`,
    );
    await db.query(`UPDATE inbound_messages SET received_at = ${past} WHERE session_id = 'old'`);
  };

  beforeAll(async () => {
    // No sweep within the test's few seconds: the pending inbox row inserted below must stay pending.
    t = await startTestApp({ env: { PIPELINE_SWEEP_INTERVAL_MS: '60000' } });
    db = t.app.get(DataSource);
    purger = t.app.get(RetentionPurger);
    receiver = await WebhookReceiver.start();
    const flowId = (await createFlow(t)).id;
    a = await createEndpoint(t, { flowId, webhookUrl: receiver.url, dataProtection: { retentionDays: 7 } });
    b = await createEndpoint(t, { flowId, webhookUrl: receiver.url, dataProtection: { retentionDays: 30 } });
    // Its webhook refuses connections: the output stays pending, waiting for a retry an hour away.
    c = await createEndpoint(t, {
      flowId,
      webhookUrl: DEFAULT_WEBHOOK_URL,
      dataProtection: { retentionDays: 7 },
      delivery: { retrySchedule: [3600] },
    });
  });
  afterAll(async () => {
    await receiver?.close();
    await t?.close();
  });

  it("removes exactly the records older than each endpoint's retention, and nothing still in flight", async () => {
    await send(a, 'old');
    await send(a, 'old');
    await send(a, 'new');
    await send(b, 'old');
    await send(c, 'old');
    await receiver.waitForDelivered(4);
    await eventually(async () => expect(await attempts(c.id, 'old')).toBe(1));
    await eventually(async () => expect((await counts(a.id, 'new')).deliveries).toBe(1));
    // Accepted long ago but not processed yet (no kick, no sweeper): live work, never purged.
    await db.query(
      `INSERT INTO inbound_messages (id, endpoint_id, user_id, session_id, text, trace_id) VALUES ($1, $2, 'u', 'old', 'x', 't')`,
      [randomUUID(), a.id],
    );
    await ageOldConversations();
    const keptA = await counts(a.id, 'new');
    const keptB = await counts(b.id, 'old');

    const purged = await purger.runOnce(new Date());

    expect(purged).toEqual({ transcripts: 6, analytics: 3, deliveries: 2, inbox: 3 });
    expect(await counts(a.id, 'old')).toEqual({ transcripts: 0, analytics: 0, deliveries: 0, inbox: 1 });
    expect(await attempts(a.id, 'old')).toBe(0);
    expect(await counts(a.id, 'new')).toEqual(keptA);
    expect(await counts(b.id, 'old')).toEqual(keptB);
    expect(await counts(c.id, 'old')).toEqual({ transcripts: 0, analytics: 0, deliveries: 1, inbox: 0 });
    expect(await attempts(c.id, 'old')).toBe(1);
    // The pending inbox row is still pending.
    const [pending] = await db.query(
      `SELECT status FROM inbound_messages WHERE endpoint_id = $1 AND session_id = 'old'`,
      [a.id],
    );
    expect(pending.status).toBe('pending');

    // Nothing left to do: a second pass deletes nothing.
    expect(await purger.runOnce(new Date())).toEqual({ transcripts: 0, analytics: 0, deliveries: 0, inbox: 0 });
  });

  it('works a backlog off in batches, with several purgers at once deleting each row once', async () => {
    const backlog = 2_500;
    await db.query(
      `INSERT INTO analytics_events (endpoint_id, kind, source, user_id, session_id, created_at)
       SELECT $1, 'input', 'user', 'u', 'bulk-' || g, now() - interval '8 days' FROM generate_series(1, $2) g`,
      [a.id, backlog],
    );
    // A second instance's purger: same database, its own repository (and, on PostgreSQL, its own connections).
    const other = new RetentionPurger(t.app.get(EndpointConfigService), new RetentionRepository(db));

    const [mine, theirs] = await Promise.all([purger.runOnce(new Date()), other.runOnce(new Date())]);

    expect(mine.analytics + theirs.analytics).toBe(backlog);
    const [left] = await db.query(
      `SELECT count(*)::int AS n FROM analytics_events WHERE endpoint_id = $1 AND session_id LIKE 'bulk-%'`,
      [a.id],
    );
    expect(left.n).toBe(0);
  });

  it('joins a run already in progress instead of starting another', async () => {
    const first = purger.runOnce(new Date());
    const second = purger.runOnce(new Date());
    expect(second).toBe(first);
    await first;
  });
});
