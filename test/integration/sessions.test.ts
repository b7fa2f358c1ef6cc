import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEndpoint, createFlow } from '../factories/index.js';
import { conversationRowCounts, NO_CONVERSATION_ROWS, orphanAttemptCount } from '../support/conversation-rows.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';

const echoFlow = {
  name: 'echo',
  startNodeId: 'n1',
  nodes: [
    { id: 'n1', type: 'addToContext', key: 'last', value: '{{input.text}}', next: 'n2' },
    { id: 'n2', type: 'say', text: 'You said: {{input.text}}' },
  ],
};

describe('sessions API', () => {
  let t: TestApp;
  let db: DataSource;
  let receiver: WebhookReceiver;
  let endpoint: { id: string; URLToken: string };
  let delivered = 0;

  /** Sends a message and waits until its one output has been delivered. */
  const say = async (userId: string, sessionId: string, text: string): Promise<string> => {
    const res = await t.request('POST', `/endpoint/${endpoint.URLToken}`, { body: { userId, sessionId, text } });
    expect(res.status).toBe(202);
    delivered += 1;
    await receiver.waitForDelivered(delivered);
    return res.body.messageId as string;
  };

  const rowCounts = (userId: string, sessionId: string): Promise<Record<string, number>> =>
    conversationRowCounts(db, 'endpoint_id = $1 AND user_id = $2 AND session_id = $3', [
      endpoint.id,
      userId,
      sessionId,
    ]);

  beforeAll(async () => {
    t = await startTestApp();
    db = t.app.get(DataSource);
    receiver = await WebhookReceiver.start();
    const flow = await createFlow(t, echoFlow);
    endpoint = await createEndpoint(t, { flowId: flow.id, webhookUrl: receiver.url });
  });
  afterAll(async () => {
    await receiver?.close();
    await t?.close();
  });

  it('lists sessions oldest first, by user, page by page', async () => {
    await say('alice', 'a1', 'one');
    await say('bob', 'b1', 'two');
    await say('alice', 'a2', 'three');
    const base = `/api/v1/endpoints/${endpoint.id}/sessions`;

    const all = await t.admin('GET', base);
    expect(all.status).toBe(200);
    expect(all.body.items.map((s: any) => `${s.userId}/${s.sessionId}`)).toEqual(['alice/a1', 'bob/b1', 'alice/a2']);
    expect(all.body.items[0]).toEqual({
      endpointId: endpoint.id,
      userId: 'alice',
      sessionId: 'a1',
      lastSequence: 1,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect(all.body.nextCursor).toBeNull();

    const alices = await t.admin('GET', `${base}?userId=alice`);
    expect(alices.body.items.map((s: any) => s.sessionId)).toEqual(['a1', 'a2']);

    const first = await t.admin('GET', `${base}?limit=2`);
    expect(first.body.items).toHaveLength(2);
    const second = await t.admin('GET', `${base}?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.items.map((s: any) => s.sessionId)).toEqual(['a2']);
    expect(second.body.nextCursor).toBeNull();

    expect((await t.admin('GET', `${base}?cursor=nonsense`)).status).toBe(400);
    const unknown = await t.admin('GET', '/api/v1/endpoints/00000000-0000-4000-8000-000000000000/sessions');
    expect(unknown.status).toBe(404);
    expect((await t.request('GET', base)).status).toBe(401);
  });

  it('shows a session with its state and its transcript in order', async () => {
    const firstId = await say('carol', 'c1', 'first');
    const secondId = await say('carol', 'c1', 'second');

    const res = await t.admin('GET', `/api/v1/endpoints/${endpoint.id}/sessions/c1?userId=carol`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ userId: 'carol', sessionId: 'c1', lastSequence: 2 });
    expect(res.body.state.context).toEqual({ last: 'second' });
    const entries = res.body.transcript.items;
    expect(entries.map((e: any) => [e.direction, e.source, e.text])).toEqual([
      ['input', 'user', 'first'],
      ['output', 'bot', 'You said: first'],
      ['input', 'user', 'second'],
      ['output', 'bot', 'You said: second'],
    ]);
    expect(entries[0]).toMatchObject({ id: firstId, inputId: null, sequence: null });
    expect(entries[1]).toMatchObject({ inputId: firstId, sequence: 1 });
    expect(entries[3]).toMatchObject({ inputId: secondId, sequence: 2 });
    expect(entries[1].id).toBe(receiver.delivered().find((hook) => hook.body.inputId === firstId)?.body.id);

    // Without userId when only one user has the session; the transcript pages like any list.
    const paged = await t.admin('GET', `/api/v1/endpoints/${endpoint.id}/sessions/c1?limit=3`);
    expect(paged.body.transcript.items).toHaveLength(3);
    const rest = await t.admin(
      'GET',
      `/api/v1/endpoints/${endpoint.id}/sessions/c1?limit=3&cursor=${paged.body.transcript.nextCursor}`,
    );
    expect(rest.body.transcript.items.map((e: any) => e.text)).toEqual(['You said: second']);
    expect(rest.body.transcript.nextCursor).toBeNull();
  });

  it('answers 404 for an unknown session and 409 when a sessionId is shared without a userId', async () => {
    await say('dan', 'shared', 'x');
    await say('eve', 'shared', 'y');
    const base = `/api/v1/endpoints/${endpoint.id}/sessions`;
    const ambiguous = await t.admin('GET', `${base}/shared`);
    expect(ambiguous.status).toBe(409);
    expect(ambiguous.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect((await t.admin('DELETE', `${base}/shared`)).status).toBe(409);
    expect((await t.admin('GET', `${base}/shared?userId=eve`)).body.transcript.items[0].text).toBe('y');
    expect((await t.admin('GET', `${base}/nope`)).status).toBe(404);
    expect((await t.admin('GET', `${base}/shared?userId=nobody`)).status).toBe(404);
  });

  it('erases everything stored for one conversation and nothing of the others', async () => {
    // The first output fails once: its failed attempt has a delivery_attempts row, its delivering one is on the
    // outbox row.
    receiver.behaviour = (hook) =>
      hook.body.AIOutput.text === 'You said: hello' && !receiver.received.some((seen) => seen.raw === hook.raw)
        ? { status: 500 }
        : undefined;
    await say('frank', 'f1', 'hello');
    receiver.behaviour = () => undefined;
    await say('frank', 'f1', 'again');
    await say('frank', 'f2', 'other conversation');
    await db.query(
      `INSERT INTO session_storage (endpoint_id, user_id, session_id, value) VALUES ($1, 'frank', 'f1', '{"k":1}'),
       ($1, 'frank', 'f2', '{"k":2}')`,
      [endpoint.id],
    );
    const [attemptsBefore] = await db.query(
      `SELECT count(*)::int AS n FROM delivery_attempts a JOIN outbox o ON o.id = a.outbox_id
       WHERE o.endpoint_id = $1 AND o.user_id = 'frank' AND o.session_id = 'f1'`,
      [endpoint.id],
    );
    expect(attemptsBefore.n).toBe(1);
    expect(Object.values(await rowCounts('frank', 'f1')).every((n) => n > 0)).toBe(true);
    const otherBefore = await rowCounts('frank', 'f2');

    const res = await t.admin('DELETE', `/api/v1/endpoints/${endpoint.id}/sessions/f1?userId=frank`);
    expect(res.status).toBe(204);

    expect(await rowCounts('frank', 'f1')).toEqual(NO_CONVERSATION_ROWS);
    expect(await orphanAttemptCount(db)).toBe(0);
    expect(await rowCounts('frank', 'f2')).toEqual(otherBefore);
    expect((await t.admin('GET', `/api/v1/endpoints/${endpoint.id}/sessions/f1?userId=frank`)).status).toBe(404);
    expect((await t.admin('DELETE', `/api/v1/endpoints/${endpoint.id}/sessions/f1?userId=frank`)).status).toBe(404);

    // The conversation can start over: a new message makes a new session, numbered from 1 again.
    await say('frank', 'f1', 'fresh start');
    const restarted = await t.admin('GET', `/api/v1/endpoints/${endpoint.id}/sessions/f1?userId=frank`);
    expect(restarted.body.lastSequence).toBe(1);
    expect(restarted.body.transcript.items.map((e: any) => e.text)).toEqual(['fresh start', 'You said: fresh start']);
  });
});
