import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEndpoint, createFlow, sayChainFlow } from '../factories/index.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { WebhookReceivers } from '../support/webhook-receiver.js';

// A session's consecutive outputs are claimed together and sent one after another (a "run"). The sweeper is slowed
// down here so that everything below has to happen on the fast path, without its help.
describe('delivery runs', () => {
  let t: TestApp;
  const receivers = new WebhookReceivers();
  const newReceiver = () => receivers.start();
  const texts = (count: number) => Array.from({ length: count }, (_, index) => `output ${index + 1}`);

  beforeAll(async () => {
    t = await startTestApp({ env: { PIPELINE_SWEEP_INTERVAL_MS: '30000', PIPELINE_LEASE_MS: '1000' } });
  });
  afterAll(async () => {
    await receivers.closeAll();
    await t?.close();
  });

  it('renews its leases on a slow receiver: a run cut short goes on at once, in order, without duplicates', async () => {
    const receiver = await newReceiver();
    // 12 outputs at 150 ms each take 1.8 s: several times the half-lease (500 ms) after which a run stops.
    receiver.behaviour = () => ({ status: 200, delayMs: 150 });
    const flow = await createFlow(t, sayChainFlow(texts(12)));
    const endpoint = await createEndpoint(t, { flowId: flow.id, webhookUrl: receiver.url });
    const started = Date.now();
    const accepted = await t.request('POST', `/endpoint/${endpoint.URLToken}`, {
      body: { userId: 'u', sessionId: 'slow', text: 'go' },
    });
    expect(accepted.status).toBe(202);

    const hooks = await receiver.waitForDelivered(12, 10_000);
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(hooks.map((hook) => hook.body.AIOutput.text)).toEqual(texts(12));
    expect(hooks.map((hook) => hook.body.sequence)).toEqual(texts(12).map((_, index) => index + 1));
    expect(new Set(receiver.received.map((hook) => hook.body.id)).size).toBe(receiver.received.length);
  });

  it('moves on to the next output of the run as soon as one is dead-lettered', async () => {
    const receiver = await newReceiver();
    receiver.behaviour = (hook) => (hook.body.AIOutput.text === 'output 2' ? { status: 410 } : undefined);
    const flow = await createFlow(t, sayChainFlow(texts(4)));
    const endpoint = await createEndpoint(t, { flowId: flow.id, webhookUrl: receiver.url });
    await t.request('POST', `/endpoint/${endpoint.URLToken}`, { body: { userId: 'u', sessionId: 'gone', text: 'go' } });

    const hooks = await receiver.waitForDelivered(3, 5_000);
    expect(hooks.map((hook) => hook.body.AIOutput.text)).toEqual(['output 1', 'output 3', 'output 4']);
    const dead = await t.admin('GET', `/api/v1/endpoints/${endpoint.id}/deliveries?status=dead`);
    expect(dead.body.items.map((item: { sequence: number }) => item.sequence)).toEqual([2]);
  });
});

// Outputs arrive at the delivery worker leased by their own commit and are sent without a claim when they are their
// session's head. These check the other case: earlier outputs still wait, so the new ones must wait behind them.
describe('outputs committed behind a waiting one', () => {
  let t: TestApp;
  const receivers = new WebhookReceivers();

  beforeAll(async () => {
    t = await startTestApp({ env: { PIPELINE_SWEEP_INTERVAL_MS: '200' } });
  });
  afterAll(async () => {
    await receivers.closeAll();
    await t?.close();
  });

  it('go out after an earlier output that waits for a retry, in order, each delivered once', async () => {
    const receiver = await receivers.start();
    receiver.behaviour = (_hook, index) => (index === 0 ? { status: 503 } : undefined);
    const flow = await createFlow(t, sayChainFlow(['said {{input.text}}']));
    const endpoint = await createEndpoint(t, {
      flowId: flow.id,
      webhookUrl: receiver.url,
      delivery: { timeoutMs: 2000, retrySchedule: [1], maxConcurrency: 4 },
    });
    const send = (text: string) =>
      t.request('POST', `/endpoint/${endpoint.URLToken}`, { body: { userId: 'u', sessionId: 'waits', text } });

    expect((await send('one')).status).toBe(202);
    await receiver.until(() => receiver.received.length === 1, 5_000, 'the first attempt');
    // Output 1 now waits a second for its retry; these are committed meanwhile.
    for (const text of ['two', 'three', 'four']) expect((await send(text)).status).toBe(202);

    const hooks = await receiver.waitForDelivered(4, 10_000);
    expect(hooks.map((hook) => hook.body.AIOutput.text)).toEqual(['said one', 'said two', 'said three', 'said four']);
    expect(receiver.received.map((hook) => hook.body.sequence)).toEqual([1, 1, 2, 3, 4]);
  });
});
