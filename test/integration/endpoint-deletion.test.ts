import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEndpoint, createFlow, sayFlow } from '../factories/index.js';
import { conversationRowCounts, NO_CONVERSATION_ROWS, orphanAttemptCount } from '../support/conversation-rows.js';
import { eventually } from '../support/eventually.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';

describe('deleting an endpoint', () => {
  let t: TestApp;
  let db: DataSource;
  let receiver: WebhookReceiver;
  let flowId: string;

  const rowCounts = async (endpointId: string): Promise<Record<string, number>> => ({
    ...(await conversationRowCounts(db, 'endpoint_id = $1', [endpointId])),
    orphanAttempts: await orphanAttemptCount(db),
  });

  const send = (endpoint: { URLToken: string }, sessionId: string, text: string) =>
    t.request('POST', `/endpoint/${endpoint.URLToken}`, { body: { userId: 'u', sessionId, text } });

  beforeAll(async () => {
    t = await startTestApp();
    db = t.app.get(DataSource);
    receiver = await WebhookReceiver.start();
    flowId = (await createFlow(t, sayFlow('hi'))).id;
  });
  afterAll(async () => {
    await receiver?.close();
    await t?.close();
  });

  it("deletes everything stored for the endpoint's conversations, and nothing of another endpoint", async () => {
    const doomed = await createEndpoint(t, { flowId, webhookUrl: receiver.url });
    const kept = await createEndpoint(t, { flowId, webhookUrl: receiver.url });
    // The doomed endpoint's first output fails once, so it has a delivery_attempts row as well.
    receiver.behaviour = (hook, index) => (index === 0 ? { status: 500 } : undefined);
    expect((await send(doomed, 's1', 'one')).status).toBe(202);
    await receiver.waitForDelivered(1);
    receiver.behaviour = () => undefined;
    for (const [endpoint, sessionId] of [
      [doomed, 's2'],
      [kept, 's1'],
    ] as const) {
      expect((await send(endpoint, sessionId, 'two')).status).toBe(202);
    }
    await receiver.waitForDelivered(3);
    await db.query(
      `INSERT INTO session_storage (endpoint_id, user_id, session_id, value) VALUES ($1, 'u', 's1', '{}')`,
      [doomed.id],
    );
    const [attempts] = await db.query(
      `SELECT count(*)::int AS n FROM delivery_attempts a JOIN outbox o ON o.id = a.outbox_id WHERE o.endpoint_id = $1`,
      [doomed.id],
    );
    expect(attempts.n).toBeGreaterThan(0);
    const before = await rowCounts(doomed.id);
    expect(Object.entries(before).filter(([table, n]) => table !== 'orphanAttempts' && n === 0)).toEqual([]);
    const keptBefore = await rowCounts(kept.id);

    expect((await t.admin('DELETE', `/api/v1/endpoints/${doomed.id}`)).status).toBe(204);

    expect(await rowCounts(doomed.id)).toEqual({
      ...NO_CONVERSATION_ROWS,
      orphanAttempts: 0,
    });
    expect(await rowCounts(kept.id)).toEqual(keptBefore);
  });

  it('leaves nothing behind when it is deleted while its messages are being processed', async () => {
    const endpoint = await createEndpoint(t, { flowId, webhookUrl: receiver.url });
    const sends = Array.from({ length: 40 }, (_, index) => send(endpoint, `busy-${index % 8}`, `m${index}`));
    // Delete once the first messages are in, while the rest are still being accepted, processed and delivered.
    await eventually(async () => expect((await rowCounts(endpoint.id)).outbox).toBeGreaterThan(0), 10_000, 5);
    expect((await t.admin('DELETE', `/api/v1/endpoints/${endpoint.id}`)).status).toBe(204);
    const statuses = (await Promise.all(sends)).map((res) => res.status);
    // Accepted before the delete, or refused after it: the endpoint is gone.
    expect(statuses.every((status) => status === 202 || status === 404)).toBe(true);
    // Commits and deliveries in flight at the delete finish or fail; none may leave a row behind.
    await sleep(1_000);
    expect(await rowCounts(endpoint.id)).toEqual({
      ...NO_CONVERSATION_ROWS,
      orphanAttempts: 0,
    });
  });
});
