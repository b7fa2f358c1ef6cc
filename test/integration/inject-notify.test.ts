import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEndpoint, createEndpointApiKey, createFlow } from '../factories/index.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';

/** NLU decides: "hello there" is the greet intent; anything else is echoed. */
const intentFlow = {
  name: 'intents',
  intentThreshold: 0.4,
  intents: [{ name: 'greet', examples: ['hi', 'hello there'] }],
  startNodeId: 'n1',
  nodes: [
    { id: 'n1', type: 'lookup', value: 'input.intent', cases: [{ value: 'greet', next: 'hi' }], default: 'echo' },
    { id: 'hi', type: 'say', text: 'Hi!' },
    { id: 'echo', type: 'say', text: 'You said: {{input.text}}' },
  ],
};

describe('inject and notify', () => {
  let t: TestApp;
  const receivers: WebhookReceiver[] = [];
  let flowId: string;
  const newEndpoint = async (overrides: Record<string, unknown> = {}) => {
    const receiver = await WebhookReceiver.start();
    receivers.push(receiver);
    const endpoint = await createEndpoint(t, { flowId, webhookUrl: receiver.url, ...overrides });
    return { endpoint, receiver };
  };
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    t.request('POST', path, { body, headers });

  beforeAll(async () => {
    t = await startTestApp();
    flowId = (await createFlow(t, intentFlow)).id;
  });
  afterAll(async () => {
    await Promise.all(receivers.map((receiver) => receiver.close()));
    await t?.close();
  });

  it('inject runs NLU and the flow as if the user had spoken', async () => {
    const { endpoint, receiver } = await newEndpoint();

    const res = await post(`/endpoint/inject/${endpoint.URLToken}`, {
      userId: 'u',
      sessionId: 's',
      text: 'hello there',
    });

    expect(res.status).toBe(202);
    expect(res.body).toEqual({ status: 'accepted', messageId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    const [hook] = await receiver.waitForDelivered(1);
    expect(hook.body).toMatchObject({
      AIOutput: { text: 'Hi!', traceId: `endpoint-inject-${res.body.messageId}` },
      inputId: res.body.messageId,
      sequence: 1,
    });
  });

  it('notify sends its text and data straight to the webhook, without the flow', async () => {
    const { endpoint, receiver } = await newEndpoint();

    const res = await post(`/endpoint/notify/${endpoint.URLToken}`, {
      userId: 'u',
      sessionId: 's',
      text: 'hello there',
      data: { ticket: 42 },
    });

    expect(res.status).toBe(202);
    const [hook] = await receiver.waitForDelivered(1);
    expect(hook.body).toMatchObject({
      userId: 'u',
      sessionId: 's',
      AIOutput: { text: 'hello there', data: { ticket: 42 }, traceId: `endpoint-notify-${res.body.messageId}` },
      inputId: null,
      sequence: 1,
      endpointId: endpoint.id,
    });
  });

  it('keeps the session’s order with normal messages: sequence numbers continue across all three', async () => {
    const { endpoint, receiver } = await newEndpoint();
    const session = { userId: 'u', sessionId: 'ordered' };
    const steps: Array<[string, string]> = [
      ['', 'first'],
      ['notify/', 'note 1'],
      ['inject/', 'hello there'],
      ['', 'second'],
      ['notify/', 'note 2'],
      ['', 'third'],
    ];

    for (const [route, text] of steps) {
      expect((await post(`/endpoint/${route}${endpoint.URLToken}`, { ...session, text })).status).toBe(202);
    }

    const hooks = await receiver.waitForDelivered(steps.length);
    expect(hooks.map((hook) => hook.body.AIOutput.text)).toEqual([
      'You said: first',
      'note 1',
      'Hi!',
      'You said: second',
      'note 2',
      'You said: third',
    ]);
    expect(hooks.map((hook) => hook.body.sequence)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(hooks.map((hook) => hook.body.inputId === null)).toEqual([false, true, false, false, true, false]);
  });

  it('authenticates like ingestion and validates the same body', async () => {
    const { endpoint } = await newEndpoint({ authMethod: 'apiKey' });
    const { key } = await createEndpointApiKey(t, endpoint.id);
    const body = { userId: 'u', sessionId: 's', text: 'x' };

    for (const route of ['inject', 'notify']) {
      const path = `/endpoint/${route}/${endpoint.URLToken}`;
      expect((await post(path, body)).status).toBe(401);
      expect((await post(path, body, { 'x-webhook-key': 'hf_ep_wrong' })).status).toBe(401);
      expect((await post(path, body, { 'x-webhook-key': key })).status).toBe(202);
      const invalid = await post(path, { userId: 'u', text: 'x' }, { 'x-webhook-key': key });
      expect(invalid.status).toBe(400);
      expect(new Set(invalid.body.errors.map((error: { field: string }) => error.field))).toEqual(
        new Set(['sessionId']),
      );
      const text = await t.request('POST', path, {
        rawBody: 'x',
        headers: { 'content-type': 'text/plain', 'x-webhook-key': key },
      });
      expect(text.status).toBe(415);
      expect((await post(`/endpoint/${route}/${'f'.repeat(64)}`, body)).status).toBe(404);
    }
  });

  it('runs handleInject and handleNotify when enabled (and drops on a falsy return)', async () => {
    const code = `createWebhookTransformer({
      handleInject: ({ request }) => ({ userId: request.body.who, sessionId: 'inj', text: request.body.say }),
      handleNotify: ({ request }) => request.body.silent ? null : ({ userId: request.body.who, sessionId: 'inj', text: 'note: ' + request.body.say }),
    });`;
    const { endpoint, receiver } = await newEndpoint({ transformer: { code, enableInject: true, enableNotify: true } });

    const injected = await post(`/endpoint/inject/${endpoint.URLToken}`, { who: 'ann', say: 'hello there' });
    const dropped = await post(`/endpoint/notify/${endpoint.URLToken}`, { who: 'ann', say: 'x', silent: true });
    const notified = await post(`/endpoint/notify/${endpoint.URLToken}`, { who: 'ann', say: 'done' });

    expect(injected.status).toBe(202);
    expect(dropped.body).toEqual({ status: 'dropped' });
    expect(notified.status).toBe(202);
    const hooks = await receiver.waitForDelivered(2);
    expect(hooks.map((hook) => [hook.body.userId, hook.body.AIOutput.text, hook.body.sequence])).toEqual([
      ['ann', 'Hi!', 1],
      ['ann', 'note: done', 2],
    ]);
  });

  it('passes notify outputs through the output transformer like any other output', async () => {
    const code = `createWebhookTransformer({ handleOutput: ({ output, processedOutput }) => ({ note: output.text, seq: processedOutput.sequence }) });`;
    const { endpoint, receiver } = await newEndpoint({ transformer: { code, enableOutput: true } });

    await post(`/endpoint/notify/${endpoint.URLToken}`, { userId: 'u', sessionId: 's', text: 'ping' });

    const [hook] = await receiver.waitForDelivered(1);
    expect(hook.body).toEqual({ note: 'ping', seq: 1 });
  });

  describe('on the admin API', () => {
    it('injects and notifies by endpoint id, in the session’s order', async () => {
      const { endpoint, receiver } = await newEndpoint();
      const session = { userId: 'u', sessionId: 'admin' };

      const injected = await t.admin('POST', `/api/v1/endpoints/${endpoint.id}/inject`, { ...session, text: 'hi' });
      const notified = await t.admin('POST', `/api/v1/endpoints/${endpoint.id}/notify`, { ...session, text: 'fyi' });
      const spoken = await post(`/endpoint/${endpoint.URLToken}`, { ...session, text: 'later' });

      expect(injected.status).toBe(202);
      expect(injected.body).toEqual({ status: 'accepted', messageId: expect.any(String) });
      expect(notified.status).toBe(202);
      expect(spoken.status).toBe(202);
      const hooks = await receiver.waitForDelivered(3);
      expect(hooks.map((hook) => [hook.body.AIOutput.text, hook.body.sequence])).toEqual([
        ['Hi!', 1],
        ['fyi', 2],
        ['You said: later', 3],
      ]);
    });

    it('needs the admin key, a known and active endpoint and a valid body', async () => {
      const { endpoint } = await newEndpoint({ active: false });
      const body = { userId: 'u', sessionId: 's', text: 'x' };

      const anonymous = await t.request('POST', `/api/v1/endpoints/${endpoint.id}/notify`, { body });
      const unknown = await t.admin('POST', '/api/v1/endpoints/00000000-0000-4000-8000-000000000000/inject', body);
      const inactive = await t.admin('POST', `/api/v1/endpoints/${endpoint.id}/inject`, body);
      const invalid = await t.admin('POST', `/api/v1/endpoints/${endpoint.id}/notify`, { userId: 'u', text: 'x' });

      expect(anonymous.status).toBe(401);
      expect(unknown.status).toBe(404);
      expect(inactive.status).toBe(403);
      expect(invalid.status).toBe(400);
      expect(new Set(invalid.body.errors.map((error: { field: string }) => error.field))).toEqual(
        new Set(['sessionId']),
      );
    });
  });
});
