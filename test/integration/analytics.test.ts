import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEndpoint, createFlow } from '../factories/index.js';
import { eventually } from '../support/eventually.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';

/** Two intents; every input gets one answer naming the intent found (or "none"). */
const intentFlow = {
  name: 'intents',
  intentThreshold: 0.4,
  intents: [
    { name: 'greet', examples: ['hi', 'hello there', 'good morning'] },
    { name: 'bye', examples: ['bye', 'goodbye', 'see you later'] },
  ],
  startNodeId: 'n1',
  nodes: [{ id: 'n1', type: 'say', text: 'intent: {{input.intent}}' }],
};

/** The known sequence: user, session, text, expected intent. */
const SEQUENCE: Array<[string, string, string, string | null]> = [
  ['ann', 'a1', 'hi', 'greet'],
  ['ann', 'a1', 'hello there', 'greet'],
  ['ann', 'a1', 'bye', 'bye'],
  ['ann', 'a2', 'good morning', 'greet'],
  ['ben', 'b1', 'goodbye', 'bye'],
  ['ben', 'b1', 'quantum chromodynamics', null],
];

describe('analytics', () => {
  let t: TestApp;
  let receiver: WebhookReceiver;
  let endpoint: { id: string; URLToken: string };
  let started: string;

  const analytics = (endpointId: string, query = '') =>
    t.admin('GET', `/api/v1/endpoints/${endpointId}/analytics${query}`);

  beforeAll(async () => {
    t = await startTestApp();
    receiver = await WebhookReceiver.start();
    const flow = await createFlow(t, intentFlow);
    endpoint = await createEndpoint(t, { flowId: flow.id, webhookUrl: receiver.url });
    started = new Date(Date.now() - 1000).toISOString();
    for (const [userId, sessionId, text] of SEQUENCE) {
      const res = await t.request('POST', `/endpoint/${endpoint.URLToken}`, { body: { userId, sessionId, text } });
      expect(res.status).toBe(202);
    }
    await receiver.waitForDelivered(SEQUENCE.length);
  });
  afterAll(async () => {
    await receiver?.close();
    await t?.close();
  });

  it('counts inputs, outputs, sessions, users and deliveries of a known sequence', async () => {
    const res = await eventually(async () => {
      const current = await analytics(endpoint.id, `?from=${started}`);
      expect(current.body.deliveries.delivered).toBe(SEQUENCE.length);
      return current;
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      from: started,
      inputs: 6,
      outputs: 6,
      sessions: 3,
      users: 2,
      deliveries: { pending: 0, delivered: 6, dead: 0 },
    });
    const { p50, p95, p99 } = res.body.deliveryLatencyMs;
    expect(p50).toBeGreaterThanOrEqual(0);
    expect(p50).toBeLessThanOrEqual(p95);
    expect(p95).toBeLessThanOrEqual(p99);
    expect(p99).toBeLessThan(30_000);
  });

  it('reports dead letters, and no latency when nothing was delivered', async () => {
    const gone = await WebhookReceiver.start();
    gone.behaviour = () => ({ status: 410 });
    try {
      const flow = await createFlow(t);
      const dead = await createEndpoint(t, { flowId: flow.id, webhookUrl: gone.url });
      const res = await t.request('POST', `/endpoint/${dead.URLToken}`, {
        body: { userId: 'u', sessionId: 's', text: 'x' },
      });
      expect(res.status).toBe(202);
      const figures = await eventually(async () => {
        const current = await analytics(dead.id);
        expect(current.body.deliveries.dead).toBe(1);
        return current.body;
      });
      expect(figures).toMatchObject({ inputs: 1, outputs: 1, deliveries: { pending: 0, delivered: 0, dead: 1 } });
      expect(figures.deliveryLatencyMs).toBeNull();
    } finally {
      await gone.close();
    }
  });

  it('only counts what happened inside [from, to)', async () => {
    const before = await analytics(endpoint.id, `?from=2020-01-01T00:00:00Z&to=${started}`);
    expect(before.body).toMatchObject({ inputs: 0, outputs: 0, sessions: 0, users: 0, topIntents: [] });
    expect(before.body.deliveries).toEqual({ pending: 0, delivered: 0, dead: 0 });
    expect(before.body.deliveryLatencyMs).toBeNull();

    const inverted = await analytics(endpoint.id, `?from=${new Date().toISOString()}&to=${started}`);
    expect(inverted.status).toBe(400);
    expect((await analytics(endpoint.id, '?from=yesterday')).status).toBe(400);
    expect((await analytics('00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });

  it('ranks the intents of the inputs', async () => {
    const res = await analytics(endpoint.id, `?from=${started}`);
    expect(res.body.topIntents).toEqual([
      { intent: 'greet', count: 3 },
      { intent: 'bye', count: 2 },
    ]);
    // The flow saw the same intents the analytics counted.
    const said = receiver.delivered().map((hook) => hook.body.AIOutput.text);
    expect(said.sort()).toEqual(SEQUENCE.map(([, , , intent]) => `intent: ${intent ?? ''}`).sort());
  });
});
