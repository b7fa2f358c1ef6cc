import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEndpoint, createFlow } from '../factories/index.js';
import { eventually } from '../support/eventually.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { FaultReceiver, type FaultScript } from './support/fault-receiver.js';

const twoOutputs = {
  name: 'two outputs',
  startNodeId: 'a',
  nodes: [
    { id: 'a', type: 'say', text: 'one', next: 'b' },
    { id: 'b', type: 'say', text: 'two' },
  ],
};

/** Webhook receivers that misbehave: each fault is retried or dead-lettered as the contract says, in order. */
describe('receiver faults', () => {
  let t: TestApp;
  let flowId: string;
  const receivers: FaultReceiver[] = [];

  beforeAll(async () => {
    t = await startTestApp({ env: { PIPELINE_SWEEP_INTERVAL_MS: '200' } });
    flowId = (await createFlow(t, twoOutputs)).id;
  });
  afterAll(async () => {
    await Promise.all(receivers.map((receiver) => receiver.close()));
    await t?.close();
  });

  /** A receiver following `script`, an endpoint delivering to it, and one message sent (two outputs). */
  async function scenario(script: FaultScript, delivery: Record<string, unknown> = {}) {
    const receiver = await FaultReceiver.start();
    receivers.push(receiver);
    receiver.script = script;
    const endpoint = await createEndpoint(t, {
      flowId,
      webhookUrl: receiver.url,
      delivery: { retrySchedule: [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1], ...delivery },
    });
    const sent = await t.request('POST', `/endpoint/${endpoint.URLToken}`, {
      body: { userId: 'u', sessionId: 's', text: 'go' },
    });
    expect(sent.status).toBe(202);
    return { receiver, endpoint };
  }

  /** The delivery record (with attempts) of the output the receiver first saw with this text. */
  async function deliveryOf(receiver: FaultReceiver, text: string, status = 'delivered') {
    const id = receiver.requests.find((hook) => hook.body.AIOutput.text === text)!.body.id as string;
    return eventually(async () => {
      const res = await t.admin('GET', `/api/v1/deliveries/${id}`);
      expect(res.body.status).toBe(status);
      return res.body;
    });
  }

  const texts = (hooks: Array<{ body: any }>) => hooks.map((hook) => hook.body.AIOutput.text);

  it('times out a receiver that answers too late, retries with the same webhook-id, then sends the next output', async () => {
    const { receiver } = await scenario(
      (_hook, index) => (index === 0 ? { kind: 'answer', status: 200, delayMs: 1_500 } : undefined),
      { timeoutMs: 400 },
    );
    await receiver.until(() => receiver.delivered().length >= 2, 10_000, 'two deliveries');
    expect(texts(receiver.requests)).toEqual(['one', 'one', 'two']);
    expect(receiver.requests[1].headers['webhook-id']).toBe(receiver.requests[0].headers['webhook-id']);
    // The retry went out after the first try was given up, not alongside it.
    expect(receiver.requests[1].receivedAt - receiver.requests[0].receivedAt).toBeGreaterThanOrEqual(400);
    const one = await deliveryOf(receiver, 'one');
    expect(one.attempts).toHaveLength(2);
    expect(one.attempts[0]).toMatchObject({ statusCode: null, error: expect.stringMatching(/timeout/i) });
    expect(one.attempts[0].durationMs).toBeLessThan(1_400);
    expect(one.attempts[1]).toMatchObject({ statusCode: 200, error: null });
  });

  it('retries after a connection reset', async () => {
    const { receiver } = await scenario((_hook, index) => (index === 0 ? { kind: 'reset' } : undefined));
    await receiver.until(() => receiver.delivered().length >= 2, 10_000, 'two deliveries');
    expect(texts(receiver.delivered())).toEqual(['one', 'two']);
    const one = await deliveryOf(receiver, 'one');
    expect(one.attempts.map((attempt: { statusCode: number | null }) => attempt.statusCode)).toEqual([null, 200]);
    expect(one.attempts[0].error).toMatch(/connection|reset|socket hang up/i);
  });

  it('honours Retry-After on a 429 (and on a 503 with an HTTP date) over a shorter schedule', async () => {
    const { receiver } = await scenario((_hook, index) => {
      if (index === 0) return { kind: 'answer', status: 429, headers: { 'retry-after': '2' } };
      if (index === 2) {
        const at = new Date(Date.now() + 2_000).toUTCString();
        return { kind: 'answer', status: 503, headers: { 'retry-after': at } };
      }
      return undefined;
    });
    await receiver.until(() => receiver.delivered().length >= 2, 15_000, 'two deliveries');
    const [first, second, third, fourth] = receiver.requests;
    expect(texts(receiver.requests)).toEqual(['one', 'one', 'two', 'two']);
    expect(second.receivedAt - first.receivedAt).toBeGreaterThanOrEqual(1_900);
    // An HTTP date has one-second resolution.
    expect(fourth.receivedAt - third.receivedAt).toBeGreaterThanOrEqual(900);
    const one = await deliveryOf(receiver, 'one');
    expect(one.attempts[0]).toMatchObject({ statusCode: 429, error: 'HTTP 429' });
  }, 30_000);

  it('treats every 3xx as a failure and never follows the redirect', async () => {
    const canary = await FaultReceiver.start();
    receivers.push(canary);
    const redirects = [301, 302, 303, 307, 308];
    const { receiver } = await scenario((_hook, index) =>
      index < redirects.length
        ? { kind: 'answer', status: redirects[index], headers: { location: canary.url } }
        : undefined,
    );
    await receiver.until(() => receiver.delivered().length >= 2, 10_000, 'two deliveries');
    expect(canary.requests).toHaveLength(0);
    const one = await deliveryOf(receiver, 'one');
    expect(one.attempts.map((attempt: { statusCode: number }) => attempt.statusCode)).toEqual([...redirects, 200]);
    expect(one.attempts[0].error).toBe('HTTP 301');
  });

  it('dead-letters on 410 after one attempt and moves on to the next output', async () => {
    const { receiver, endpoint } = await scenario((hook) =>
      hook.body.AIOutput.text === 'one' ? { kind: 'answer', status: 410, body: 'gone' } : undefined,
    );
    await receiver.until(() => receiver.delivered().length >= 1, 10_000, 'one delivery');
    await new Promise((resolve) => setTimeout(resolve, 500)); // a retry of the dead one would come now
    expect(texts(receiver.requests)).toEqual(['one', 'two']);
    const one = await deliveryOf(receiver, 'one', 'dead');
    expect(one.attempts).toEqual([expect.objectContaining({ statusCode: 410, responseBody: 'gone' })]);
    const dead = await t.admin('GET', `/api/v1/endpoints/${endpoint.id}/deliveries?status=dead`);
    expect(dead.body.items.map((item: { id: string }) => item.id)).toEqual([one.id]);
  });

  it('keeps only the first 4 KB of a huge or endless response, without waiting for its end', async () => {
    const { receiver } = await scenario(
      (_hook, index) =>
        index === 0
          ? { kind: 'stream', status: 500, bytes: Number.POSITIVE_INFINITY }
          : index === 1
            ? { kind: 'stream', status: 200, bytes: 8 * 1024 * 1024 }
            : { kind: 'answer', status: 200, body: 'é'.repeat(3_000) },
      { timeoutMs: 5_000 },
    );
    await receiver.until(() => receiver.delivered().length >= 2, 10_000, 'two deliveries');
    const one = await deliveryOf(receiver, 'one');
    expect(one.attempts.map((attempt: { statusCode: number }) => attempt.statusCode)).toEqual([500, 200]);
    expect(one.attempts[0].durationMs).toBeLessThan(2_000);
    for (const attempt of one.attempts) expect(attempt.responseBody).toBe('x'.repeat(4096));
    // Multi-byte text cut at 4 KB: at most 4096 bytes, and no broken character.
    const two = await deliveryOf(receiver, 'two');
    const kept: string = two.attempts[0].responseBody;
    expect(Buffer.byteLength(kept, 'utf8')).toBeLessThanOrEqual(4096);
    expect(kept).toMatch(/^é{2000,2048}$/);
  });

  it('records a binary response body (NUL bytes, invalid UTF-8) without getting stuck', async () => {
    const binary = Buffer.from([0x6f, 0x6b, 0x00, 0xff, 0xfe, 0x00, 0x41]);
    const { receiver } = await scenario(() => ({ kind: 'answer', status: 200, body: binary }));
    await receiver.until(() => receiver.delivered().length >= 2, 10_000, 'two deliveries');
    expect(texts(receiver.requests)).toEqual(['one', 'two']);
    const one = await deliveryOf(receiver, 'one');
    expect(one.attempts).toHaveLength(1);
    expect(one.attempts[0].statusCode).toBe(200);
    expect(one.attempts[0].responseBody).toMatch(/^ok/);
  });
});
