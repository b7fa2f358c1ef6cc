import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEndpoint, createFlow, sayChainFlow } from '../factories/index.js';
import { eventually } from '../support/eventually.js';
import { SessionExecutor } from '../../src/modules/pipeline/session-executor.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { WebhookReceivers, type ReceivedWebhook } from '../support/webhook-receiver.js';

function bySession(hooks: ReceivedWebhook[]): Map<string, ReceivedWebhook[]> {
  const sessions = new Map<string, ReceivedWebhook[]>();
  for (const hook of hooks) {
    const key = `${hook.body.userId}/${hook.body.sessionId}`;
    sessions.set(key, [...(sessions.get(key) ?? []), hook]);
  }
  return sessions;
}

describe('message pipeline', () => {
  let t: TestApp;
  const receivers = new WebhookReceivers();
  const newReceiver = () => receivers.start();
  const send = (urlToken: string, body: Record<string, unknown>) =>
    t.request('POST', `/endpoint/${urlToken}`, { body });

  beforeAll(async () => {
    t = await startTestApp({ env: { PIPELINE_SWEEP_INTERVAL_MS: '200' } });
  });
  afterAll(async () => {
    await receivers.closeAll();
    await t?.close();
  });

  it('delivers every output with basic auth, the contract body and a verifiable signature', async () => {
    const receiver = await newReceiver();
    const flow = await createFlow(t, sayChainFlow(['You said: {{input.text}}', 'data k is {{input.data.k}}']));
    const endpoint = await createEndpoint(t, {
      flowId: flow.id,
      webhookUrl: receiver.url,
      basicAuthUser: 'bot',
      basicAuthPassword: 's3cret',
    });

    const accepted = await send(endpoint.URLToken, { userId: 'u1', sessionId: 's1', text: 'hello', data: { k: 'v' } });
    expect(accepted.status).toBe(202);
    expect(accepted.body).toEqual({ status: 'accepted', messageId: expect.stringMatching(/^[0-9a-f-]{36}$/) });

    const hooks = await receiver.waitForDelivered(2);
    expect(hooks.map((hook) => hook.body.AIOutput.text)).toEqual(['You said: hello', 'data k is v']);
    const verifier = new Webhook(endpoint.signingSecret);
    for (const [index, hook] of hooks.entries()) {
      expect(hook.headers.authorization).toBe(`Basic ${Buffer.from('bot:s3cret').toString('base64')}`);
      expect(hook.headers['content-type']).toBe('application/json');
      expect(hook.headers['user-agent']).toMatch(/^hookflow\/\d+\.\d+\.\d+/);
      expect(() => verifier.verify(hook.raw, hook.headers as Record<string, string>)).not.toThrow();
      expect(hook.headers['webhook-id']).toBe(hook.body.id);
      expect(hook.body).toEqual({
        userId: 'u1',
        sessionId: 's1',
        AIOutput: {
          text: hook.body.AIOutput.text,
          data: {},
          traceId: `endpoint-httpIncomingMessage-${accepted.body.messageId}`,
          disableSensitiveLogging: false,
          source: 'bot',
        },
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        sequence: index + 1,
        inputId: accepted.body.messageId,
        endpointId: endpoint.id,
        createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      });
    }
    const tampered = hooks[0].raw.replace('hello', 'HELLO');
    expect(() => verifier.verify(tampered, hooks[0].headers as Record<string, string>)).toThrow();
  });

  it('keeps per-session order: 20 sessions x 25 messages, nothing lost or duplicated', async () => {
    const receiver = await newReceiver();
    const flow = await createFlow(t, sayChainFlow(['{{input.text}}']));
    const endpoint = await createEndpoint(t, { flowId: flow.id, webhookUrl: receiver.url });
    const sessions = 20;
    const perSession = 25;
    await Promise.all(
      Array.from({ length: sessions }, async (_, s) => {
        for (let m = 0; m < perSession; m++) {
          const res = await send(endpoint.URLToken, {
            userId: `user-${s}`,
            sessionId: `session-${s}`,
            text: String(m),
          });
          expect(res.status).toBe(202);
        }
      }),
    );
    const hooks = await receiver.waitForDelivered(sessions * perSession, 60_000);
    await new Promise((resolve) => setTimeout(resolve, 300)); // a duplicate would arrive now
    expect(receiver.delivered()).toHaveLength(sessions * perSession);
    expect(new Set(hooks.map((hook) => hook.body.id)).size).toBe(sessions * perSession);
    for (const [, sessionHooks] of bySession(hooks)) {
      expect(sessionHooks.map((hook) => hook.body.AIOutput.text)).toEqual(
        Array.from({ length: perSession }, (_, m) => String(m)),
      );
      expect(sessionHooks.map((hook) => hook.body.sequence)).toEqual(
        Array.from({ length: perSession }, (_, m) => m + 1),
      );
    }
  }, 90_000);

  it('retries a failing receiver with the same webhook-id and records every attempt', async () => {
    const receiver = await newReceiver();
    receiver.behaviour = (_hook, index) => (index < 2 ? { status: 500, body: 'boom' } : undefined);
    const flow = await createFlow(t, sayChainFlow(['first', 'second']));
    const endpoint = await createEndpoint(t, {
      flowId: flow.id,
      webhookUrl: receiver.url,
      delivery: { retrySchedule: [0.1, 0.1, 0.1] },
    });
    await send(endpoint.URLToken, { userId: 'u', sessionId: 's', text: 'go' });
    const delivered = await receiver.waitForDelivered(2);
    expect(delivered.map((hook) => hook.body.AIOutput.text)).toEqual(['first', 'second']);
    const firstId = delivered[0].body.id;
    expect(receiver.received.slice(0, 3).map((hook) => hook.headers['webhook-id'])).toEqual([
      firstId,
      firstId,
      firstId,
    ]);

    const detail = await eventually(async () => {
      const res = await t.admin('GET', `/api/v1/deliveries/${delivered[1].body.id}`);
      expect(res.body.status).toBe('delivered');
      return t.admin('GET', `/api/v1/deliveries/${firstId}`);
    });
    expect(detail.status).toBe(200);
    expect(detail.body).toMatchObject({ id: firstId, status: 'delivered', attemptCount: 3, sequence: 1 });
    expect(detail.body.attempts.map((attempt: { statusCode: number }) => attempt.statusCode)).toEqual([500, 500, 200]);
    expect(detail.body.attempts[0]).toMatchObject({ attempt: 1, error: 'HTTP 500', responseBody: 'boom' });

    const list = await t.admin('GET', `/api/v1/endpoints/${endpoint.id}/deliveries?status=delivered`);
    expect(list.body.items.map((item: { sequence: number }) => item.sequence)).toEqual([1, 2]);
  });

  it('delivers everything, in order, once a receiver that was down comes back', async () => {
    const receiver = await newReceiver();
    const flow = await createFlow(t, sayChainFlow(['{{input.text}}']));
    const endpoint = await createEndpoint(t, {
      flowId: flow.id,
      webhookUrl: receiver.url,
      delivery: { retrySchedule: [0.2, 0.4, 0.8, 1, 1, 1, 1, 1, 1, 1] },
    });
    await receiver.close();
    for (let m = 0; m < 5; m++) {
      for (const s of ['a', 'b']) await send(endpoint.URLToken, { userId: 'u', sessionId: s, text: `${s}${m}` });
    }
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await receiver.listen();
    const hooks = await receiver.waitForDelivered(10, 20_000);
    const sessions = bySession(hooks);
    expect(sessions.get('u/a')!.map((hook) => hook.body.AIOutput.text)).toEqual(['a0', 'a1', 'a2', 'a3', 'a4']);
    expect(sessions.get('u/b')!.map((hook) => hook.body.AIOutput.text)).toEqual(['b0', 'b1', 'b2', 'b3', 'b4']);
  }, 40_000);

  it('does not let an endpoint whose receiver never answers delay another endpoint', async () => {
    const stuck = await newReceiver();
    stuck.behaviour = () => 'hang';
    const healthy = await newReceiver();
    const flow = await createFlow(t, sayChainFlow(['{{input.text}}']));
    const slow = await createEndpoint(t, { flowId: flow.id, webhookUrl: stuck.url, delivery: { timeoutMs: 5_000 } });
    const fast = await createEndpoint(t, { flowId: flow.id, webhookUrl: healthy.url });
    for (let s = 0; s < 30; s++) await send(slow.URLToken, { userId: 'u', sessionId: `slow-${s}`, text: 'x' });
    const started = Date.now();
    for (let s = 0; s < 10; s++) await send(fast.URLToken, { userId: 'u', sessionId: `fast-${s}`, text: 'y' });
    await healthy.waitForDelivered(10, 4_000);
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it('dead-letters on 410, moves on to the next output, and re-sends dead ones on request', async () => {
    const receiver = await newReceiver();
    let gone = true;
    receiver.behaviour = (hook) => (gone && hook.body.AIOutput.text === 'one' ? { status: 410 } : undefined);
    const flow = await createFlow(t, sayChainFlow(['one', 'two']));
    const endpoint = await createEndpoint(t, { flowId: flow.id, webhookUrl: receiver.url });
    await send(endpoint.URLToken, { userId: 'u', sessionId: 's', text: 'go' });
    await receiver.waitForDelivered(1);
    expect(receiver.delivered().map((hook) => hook.body.AIOutput.text)).toEqual(['two']);
    const dead = await t.admin('GET', `/api/v1/endpoints/${endpoint.id}/deliveries?status=dead`);
    expect(dead.body.items).toHaveLength(1);
    expect(dead.body.items[0]).toMatchObject({ status: 'dead', lastStatusCode: 410 });

    gone = false;
    const retried = await t.admin('POST', `/api/v1/endpoints/${endpoint.id}/deliveries/retry-dead`, {});
    expect(retried.body).toEqual({ retried: 1 });
    await receiver.waitForDelivered(2);
    expect(receiver.delivered().map((hook) => hook.body.AIOutput.text)).toEqual(['two', 'one']);
    // The outcome is recorded just after the receiver answered.
    await eventually(async () => {
      const redelivered = await t.admin('GET', `/api/v1/deliveries/${dead.body.items[0].id}`);
      expect(redelivered.body).toMatchObject({ status: 'delivered', attemptCount: 2 });
    });
  });

  it('never commits a message twice, even when told it is new after it was processed', async () => {
    const receiver = await newReceiver();
    const flow = await createFlow(t, sayChainFlow(['said {{input.text}}']));
    const endpoint = await createEndpoint(t, { flowId: flow.id, webhookUrl: receiver.url });
    const accepted = await send(endpoint.URLToken, { userId: 'u', sessionId: 'twice', text: 'once' });
    await receiver.waitForDelivered(1, 5_000);

    // A kick that comes late (its instance stalled while another one processed the message) still says "alone".
    const key = { endpointId: endpoint.id, userId: 'u', sessionId: 'twice' };
    const message = {
      id: accepted.body.messageId,
      kind: 'message' as const,
      text: 'once',
      data: null,
      traceId: 'late',
      receivedAt: new Date(),
      clientIp: null,
    };
    t.app.get(SessionExecutor).kick(key, message.id, message);
    await send(endpoint.URLToken, { userId: 'u', sessionId: 'twice', text: 'twice' });

    const hooks = await receiver.waitForDelivered(2, 5_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.received.map((hook) => hook.body.AIOutput.text)).toEqual(['said once', 'said twice']);
    expect(hooks.map((hook) => hook.body.sequence)).toEqual([1, 2]);
  });

  it('gives the flow a message as it was stored, whether it read it back or took it as accepted', async () => {
    const receiver = await newReceiver();
    const flow = await createFlow(t, sayChainFlow(['n is {{input.data.n}}']));
    const endpoint = await createEndpoint(t, { flowId: flow.id, webhookUrl: receiver.url });
    // 1e400 parses to Infinity; stored as JSON it is null. The first message is its session's only pending one
    // (taken as accepted), the next two are sent together (the second is read back from the inbox).
    const raw = (sessionId: string) => ({
      rawBody: `{"userId":"u","sessionId":"${sessionId}","text":"x","data":{"n":1e400}}`,
      headers: { 'content-type': 'application/json' },
    });
    expect((await t.request('POST', `/endpoint/${endpoint.URLToken}`, raw('alone'))).status).toBe(202);
    const both = await Promise.all([0, 1].map(() => t.request('POST', `/endpoint/${endpoint.URLToken}`, raw('pair'))));
    expect(both.map((res) => res.status)).toEqual([202, 202]);

    const hooks = await receiver.waitForDelivered(3, 5_000);
    expect(new Set(hooks.map((hook) => hook.body.AIOutput.text))).toEqual(new Set(['n is ']));
  });
});
