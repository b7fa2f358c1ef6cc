import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEndpoint, createFlow, sayChainFlow } from '../factories/index.js';
import { eventually } from '../support/eventually.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { type WebhookReceiver, WebhookReceivers } from '../support/webhook-receiver.js';

/** A channel with its own payload shape, a GET verification handshake, and plain-text bodies. TypeScript. */
const CHANNEL_INPUT = `
interface ChannelEvent { sender: string; message?: string; drop?: boolean; bad?: boolean }

createWebhookTransformer({
  handleInput: async ({ request, response }) => {
    if (request.method === 'GET') {
      response.status(200).set('X-Verified', 'yes').send(request.query['hub.challenge']);
      return null;
    }
    if (typeof request.body === 'string') {
      return { userId: 'text-user', sessionId: 'text-session', text: request.body.toUpperCase() };
    }
    const event = request.body as ChannelEvent;
    if (event.drop) return false;
    if (event.bad) return { userId: event.sender, sessionId: 's', text: 42 as unknown as string };
    if (event.message === 'answer') {
      response.status(200).send({ ok: true, seen: event.message });
    }
    const text: string = event.message ?? '';
    return { userId: event.sender, sessionId: 'sess-' + event.sender, text: 'in: ' + text };
  },
});`;

describe('transformers in the pipeline', () => {
  let t: TestApp;
  const receivers = new WebhookReceivers();
  const newReceiver = () => receivers.start();
  const post = (urlToken: string, body: unknown, headers: Record<string, string> = {}) =>
    t.request('POST', `/endpoint/${urlToken}`, { body, headers });
  const endpointWith = async (receiver: WebhookReceiver, transformer: Record<string, unknown>, texts = ['echo']) => {
    const flow = await createFlow(t, sayChainFlow(texts));
    return createEndpoint(t, { flowId: flow.id, webhookUrl: receiver.url, transformer });
  };
  const messageStatus = async (messageId: string): Promise<{ status: string; error: string | null }> => {
    const rows: Array<{ status: string; error: string | null }> = await t.app
      .get(DataSource)
      .query('SELECT status, error FROM inbound_messages WHERE id = $1', [messageId]);
    return rows[0];
  };

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await receivers.closeAll();
    await t?.close();
  });

  describe('handleInput', () => {
    let receiver: WebhookReceiver;
    let endpoint: { id: string; URLToken: string };
    beforeAll(async () => {
      receiver = await newReceiver();
      endpoint = await endpointWith(receiver, { code: CHANNEL_INPUT, enableInput: true }, ['{{input.text}}']);
    });

    it('rewrites a channel payload (TypeScript) into a message that runs the flow', async () => {
      const res = await post(endpoint.URLToken, { sender: 'alice', message: 'hello' });

      expect(res.status).toBe(202);
      expect(res.body).toEqual({ status: 'accepted', messageId: expect.any(String) });
      const [hook] = await receiver.waitForDelivered(1);
      expect(hook.body).toMatchObject({ userId: 'alice', sessionId: 'sess-alice', AIOutput: { text: 'in: hello' } });
    });

    it('answers a GET verification handshake itself', async () => {
      const res = await t.request('GET', `/endpoint/${endpoint.URLToken}?hub.challenge=42&hub.mode=subscribe`);

      expect(res.status).toBe(200);
      expect(res.text).toBe('42');
      expect(res.headers['x-verified']).toBe('yes');
    });

    it('gets any content type, here text/plain, as text', async () => {
      const before = receiver.delivered().length;
      const res = await t.request('POST', `/endpoint/${endpoint.URLToken}`, {
        rawBody: 'shout this',
        headers: { 'content-type': 'text/plain' },
      });

      expect(res.status).toBe(202);
      const hooks = await receiver.waitForDelivered(before + 1);
      expect(hooks.at(-1)?.body.AIOutput.text).toBe('SHOUT THIS');
    });

    it('drops the message on a falsy return: 202 dropped, nothing stored or sent', async () => {
      const before = receiver.received.length;
      const res = await post(endpoint.URLToken, { sender: 'bob', drop: true });

      expect(res.status).toBe(202);
      expect(res.body).toEqual({ status: 'dropped' });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(receiver.received.length).toBe(before);
    });

    it('sends the response the transformer wrote, and still processes the message it returned', async () => {
      const before = receiver.delivered().length;
      const res = await post(endpoint.URLToken, { sender: 'carol', message: 'answer' });

      expect(res.status).toBe(200);
      expect(res.body).toEqual({ ok: true, seen: 'answer' });
      const hooks = await receiver.waitForDelivered(before + 1);
      expect(hooks.at(-1)?.body.AIOutput.text).toBe('in: answer');
    });

    it('validates what it returns like ingestion: 400 naming the field', async () => {
      const res = await post(endpoint.URLToken, { sender: 'dave', bad: true });

      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body.detail).toBe('The handleInput transformer returned an invalid message.');
      expect(res.body.errors).toContainEqual({ field: 'text', message: 'must be a string' });
      expect(new Set(res.body.errors.map((error: { field: string }) => error.field))).toEqual(new Set(['text']));
    });

    it('keeps the request’s own fields for keys the transformer leaves undefined', async () => {
      const receiver2 = await newReceiver();
      const code = `createWebhookTransformer({ handleInput: ({ request }) => ({ text: request.body.text + '!' }) });`;
      const keep = await endpointWith(receiver2, { code, enableInput: true }, ['{{input.text}}']);

      const res = await post(keep.URLToken, { userId: 'u9', sessionId: 's9', text: 'kept' });

      expect(res.status).toBe(202);
      const [hook] = await receiver2.waitForDelivered(1);
      expect(hook.body).toMatchObject({ userId: 'u9', sessionId: 's9', AIOutput: { text: 'kept!' } });
    });

    it('leaves endpoints without an input transformer strict: 405 for GET, 415 for text', async () => {
      const plain = await endpointWith(receiver, { code: CHANNEL_INPUT, enableInput: false });

      const get = await t.request('GET', `/endpoint/${plain.URLToken}?hub.challenge=42`);
      const text = await t.request('POST', `/endpoint/${plain.URLToken}`, {
        rawBody: 'hello',
        headers: { 'content-type': 'text/plain' },
      });

      expect(get.status).toBe(405);
      expect(get.headers.allow).toBe('POST');
      expect(get.headers['content-type']).toContain('application/problem+json');
      expect(text.status).toBe(415);
    });
  });

  describe('handleOutput and handleExecutionFinished', () => {
    it('sends the return value as the body, unchanged, and skips falsy outputs without using a sequence', async () => {
      const receiver = await newReceiver();
      const code = `createWebhookTransformer({
        handleOutput: async ({ output, processedOutput, endpoint, userId, sessionId }) => {
          if (output.text === 'skip me') return null;
          return { to: userId + '/' + sessionId, says: output.text, seq: processedOutput.sequence, ep: endpoint.id };
        },
      });`;
      const endpoint = await endpointWith(receiver, { code, enableOutput: true }, ['first', 'skip me', 'last']);

      const res = await post(endpoint.URLToken, { userId: 'u', sessionId: 's', text: 'go' });
      expect(res.status).toBe(202);
      const second = await post(endpoint.URLToken, { userId: 'u', sessionId: 's', text: 'again' });
      expect(second.status).toBe(202);

      const hooks = await receiver.waitForDelivered(4);
      expect(hooks.map((hook) => hook.body)).toEqual([
        { to: 'u/s', says: 'first', seq: 1, ep: endpoint.id },
        { to: 'u/s', says: 'last', seq: 2, ep: endpoint.id },
        { to: 'u/s', says: 'first', seq: 3, ep: endpoint.id },
        { to: 'u/s', says: 'last', seq: 4, ep: endpoint.id },
      ]);
      expect(hooks[0].raw).toBe(JSON.stringify(hooks[0].body));
      const deliveries = await t.admin('GET', `/api/v1/endpoints/${endpoint.id}/deliveries?sessionId=s`);
      expect(deliveries.body.items).toHaveLength(4);
    });

    it('keeps session storage across messages and calls handleExecutionFinished with httpRequest to loopback', async () => {
      const receiver = await newReceiver();
      const sideChannel = await newReceiver();
      const code = `createWebhookTransformer({
        handleOutput: async ({ processedOutput, userId, sessionId }) => {
          const storage = await getSessionStorage(userId, sessionId);
          storage.count = (storage.count ?? 0) + 1;
          return { ...processedOutput, count: storage.count };
        },
        handleExecutionFinished: async ({ endpoint, userId, sessionId }) => {
          const storage = await getSessionStorage(userId, sessionId);
          await httpRequest({ url: '${sideChannel.url}', method: 'POST', body: { finished: sessionId, count: storage.count, ep: endpoint.id } });
        },
      });`;
      const endpoint = await endpointWith(receiver, { code, enableOutput: true, enableExecutionFinished: true });

      for (const text of ['one', 'two', 'three']) {
        expect((await post(endpoint.URLToken, { userId: 'u', sessionId: 'kept', text })).status).toBe(202);
      }
      await post(endpoint.URLToken, { userId: 'u', sessionId: 'other', text: 'x' });

      const hooks = await receiver.waitForDelivered(4);
      const counts = hooks.filter((hook) => hook.body.sessionId === 'kept').map((hook) => hook.body.count);
      expect(counts).toEqual([1, 2, 3]);
      expect(hooks.find((hook) => hook.body.sessionId === 'other')?.body.count).toBe(1);
      const finished = await sideChannel.waitForDelivered(4);
      expect(finished.map((hook) => hook.body).filter((body) => body.finished === 'kept')).toEqual([
        { finished: 'kept', count: 1, ep: endpoint.id },
        { finished: 'kept', count: 2, ep: endpoint.id },
        { finished: 'kept', count: 3, ep: endpoint.id },
      ]);
    });

    it('refuses httpRequest to a private address: the error is the transformer’s, the message goes on', async () => {
      const receiver = await newReceiver();
      const code = `createWebhookTransformer({
        handleOutput: async ({ processedOutput }) => {
          await httpRequest({ url: 'http://10.0.0.1/internal' });
          return { leaked: true };
        },
      });`;
      const endpoint = await endpointWith(receiver, { code, enableOutput: true, timeoutMs: 1000 });

      const res = await post(endpoint.URLToken, { userId: 'u', sessionId: 's', text: 'hi' });
      expect(res.status).toBe(202);
      const [hook] = await receiver.waitForDelivered(1);
      // As if the function were absent: the default body.
      expect(hook.body).toMatchObject({ AIOutput: { text: 'echo' }, sequence: 1 });
      expect(hook.body.leaked).toBeUndefined();

      const dryRun = await t.admin('POST', `/api/v1/endpoints/${endpoint.id}/transformer/test`, {
        function: 'handleOutput',
        args: { output: { text: 'x', data: {} }, processedOutput: {}, userId: 'u', sessionId: 's' },
      });
      expect(dryRun.status).toBe(200);
      expect(dryRun.body).toMatchObject({ ok: false, error: { kind: 'error', line: 3 } });
      expect(dryRun.body.error.message).toMatch(/10\.0\.0\.1/);
    });
  });

  describe('abortOnError', () => {
    const failing = `createWebhookTransformer({
      handleInput: ({ request }) => { throw new Error('input broke on ' + request.body.text); },
      handleOutput: () => { throw new Error('output broke'); },
    });`;

    it('without it, a failing function is skipped: the message is processed as if it were absent', async () => {
      const receiver = await newReceiver();
      const endpoint = await endpointWith(receiver, { code: failing, enableInput: true, enableOutput: true });

      const res = await post(endpoint.URLToken, { userId: 'u', sessionId: 's', text: 'hi' });

      expect(res.status).toBe(202);
      const [hook] = await receiver.waitForDelivered(1);
      expect(hook.body).toMatchObject({ userId: 'u', AIOutput: { text: 'echo' } });
    });

    it('with it, a failing input function answers 422 and stores nothing', async () => {
      const receiver = await newReceiver();
      const endpoint = await endpointWith(receiver, { code: failing, enableInput: true, abortOnError: true });

      const res = await post(endpoint.URLToken, { userId: 'u', sessionId: 's', text: 'hi' });

      expect(res.status).toBe(422);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body.type).toBe('urn:hookflow:problem:transformer-failed');
      expect(res.body.detail).toMatch(/^handleInput failed: Error: input broke on hi \(line 2, column \d+\)$/);
      const stored: Array<{ count: number }> = await t.app
        .get(DataSource)
        .query('SELECT count(*)::int AS count FROM inbound_messages WHERE endpoint_id = $1', [endpoint.id]);
      expect(stored[0].count).toBe(0);
    });

    it('with it, a failing output function marks the message failed with no outputs', async () => {
      const receiver = await newReceiver();
      const endpoint = await endpointWith(receiver, { code: failing, enableOutput: true, abortOnError: true });

      const res = await post(endpoint.URLToken, { userId: 'u', sessionId: 's', text: 'hi' });

      expect(res.status).toBe(202);
      const message = await eventually(async () => {
        const row = await messageStatus(res.body.messageId);
        expect(row.status).toBe('failed');
        return row;
      });
      expect(message.error).toContain('handleOutput failed: Error: output broke');
      expect(receiver.received).toEqual([]);
      const deliveries = await t.admin('GET', `/api/v1/endpoints/${endpoint.id}/deliveries`);
      expect(deliveries.body.items).toEqual([]);
    });
  });

  it('runs flow code nodes in the sandbox', async () => {
    const receiver = await newReceiver();
    const flow = await createFlow(t, {
      name: 'code',
      startNodeId: 'c',
      nodes: [
        {
          id: 'c',
          type: 'code',
          code: 'const n: number = input.text.length;\napi.addToContext("len", n);\napi.say("code says " + input.text);',
          next: 's',
        },
        { id: 's', type: 'say', text: 'length {{context.len}}' },
      ],
    });
    const endpoint = await createEndpoint(t, { flowId: flow.id, webhookUrl: receiver.url });

    expect((await post(endpoint.URLToken, { userId: 'u', sessionId: 's', text: 'four' })).status).toBe(202);

    const hooks = await receiver.waitForDelivered(2);
    expect(hooks.map((hook) => hook.body.AIOutput.text)).toEqual(['code says four', 'length 4']);
  });
});
