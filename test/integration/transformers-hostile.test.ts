import { Logger } from '@nestjs/common';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createEndpoint, createFlow } from '../factories/index.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';

/** Each body becomes a handleOutput; a contained one fails alone and the output goes out with the default body. */
const HOSTILE: Array<[string, string]> = [
  ['an endless loop', 'while (true) {}'],
  ['a memory bomb', "const hoard = []; for (;;) hoard.push('x'.repeat(1 << 20) + hoard.length);"],
  ['process.exit()', 'process.exit(1);'],
  ["require('fs')", "return require('fs').readFileSync('/etc/passwd', 'utf8');"],
  ['a constructor escape', "return this.constructor.constructor('return process')().env;"],
  ['a function-constructor escape', "return (() => {}).constructor('return process')().mainModule;"],
  ['a promise that never settles', 'await new Promise(() => {});'],
];

const transformer = (body: string) => ({
  code: `createWebhookTransformer({\n  handleOutput: async ({ processedOutput }) => {\n    ${body}\n  },\n});`,
  enableOutput: true,
  timeoutMs: 300,
});

describe('hostile transformer code, end to end', () => {
  let t: TestApp;
  let hostileReceiver: WebhookReceiver;
  let goodReceiver: WebhookReceiver;
  let good: { URLToken: string };
  let flowId: string;
  const warn = vi.spyOn(Logger.prototype, 'warn');
  const send = (urlToken: string, sessionId: string) =>
    t.request('POST', `/endpoint/${urlToken}`, { body: { userId: 'u', sessionId, text: 'hi' } });

  beforeAll(async () => {
    t = await startTestApp();
    hostileReceiver = await WebhookReceiver.start();
    goodReceiver = await WebhookReceiver.start();
    flowId = (await createFlow(t, { name: 'echo', startNodeId: 'a', nodes: [{ id: 'a', type: 'say', text: 'echo' }] }))
      .id;
    // The well-behaved endpoint uses the sandbox too, so it competes with the hostile code for workers.
    good = await createEndpoint(t, {
      flowId,
      webhookUrl: goodReceiver.url,
      transformer: {
        code: `createWebhookTransformer({ handleOutput: ({ processedOutput }) => ({ ...processedOutput, good: true, polluted: 'polluted' in {} }) });`,
        enableOutput: true,
      },
    });
  });
  afterEach(() => warn.mockClear());
  afterAll(async () => {
    warn.mockRestore();
    await hostileReceiver?.close();
    await goodReceiver?.close();
    await t?.close();
  });

  it.each(HOSTILE)('contains %s: reported, the message goes on, other endpoints keep flowing', async (_name, body) => {
    const hostile = await createEndpoint(t, {
      flowId,
      webhookUrl: hostileReceiver.url,
      transformer: transformer(body),
    });
    const hostileBefore = hostileReceiver.delivered().length;
    const goodBefore = goodReceiver.delivered().length;

    const accepted = await send(hostile.URLToken, 'h');
    const others = await Promise.all(['g1', 'g2', 'g3'].map((session) => send(good.URLToken, session)));

    expect(accepted.status).toBe(202);
    for (const res of others) expect(res.status).toBe(202);
    const goodHooks = (await goodReceiver.waitForDelivered(goodBefore + 3)).slice(goodBefore);
    expect(goodHooks.map((hook) => hook.body)).toEqual(
      Array.from({ length: 3 }, () => expect.objectContaining({ good: true, polluted: false })),
    );
    // Processed as if the function were absent: the default body.
    const hostileHooks = await hostileReceiver.waitForDelivered(hostileBefore + 1);
    expect(hostileHooks.at(-1)?.body).toMatchObject({ AIOutput: { text: 'echo' }, sequence: 1 });
    const reports = warn.mock.calls.map(([message]) => String(message));
    expect(reports).toContainEqual(expect.stringContaining(`handleOutput failed on endpoint ${hostile.id}`));
    expect((await t.request('GET', '/health/ready')).status).toBe(200);
  });

  it('serves other endpoints while one run spins, before its time limit ends it', async () => {
    const limitMs = 3000;
    const hostile = await createEndpoint(t, {
      flowId,
      webhookUrl: hostileReceiver.url,
      transformer: { ...transformer('while (true) {}'), timeoutMs: limitMs },
    });
    const hostileBefore = hostileReceiver.delivered().length;
    const goodBefore = goodReceiver.delivered().length;

    const spinSentAt = Date.now();
    await send(hostile.URLToken, 'spin');
    await new Promise((resolve) => setTimeout(resolve, 100));
    await send(good.URLToken, 'fast');
    const [fast] = (await goodReceiver.waitForDelivered(goodBefore + 1)).slice(goodBefore);
    const [spun] = (await hostileReceiver.waitForDelivered(hostileBefore + 1)).slice(hostileBefore);

    // The other endpoint's output went out while the spinning run still held its worker.
    expect(fast.receivedAt).toBeLessThan(spinSentAt + limitMs);
    expect(spun.receivedAt).toBeGreaterThan(fast.receivedAt);
  });

  it('keeps prototype pollution inside the run that did it', async () => {
    const polluter = await createEndpoint(t, {
      flowId,
      webhookUrl: hostileReceiver.url,
      transformer: transformer(
        "Object.prototype.polluted = 'yes'; Array.prototype.map = () => 'hijacked'; JSON.stringify = () => '{}';\n" +
          '    return { ...processedOutput, sawPollution: ({}).polluted };',
      ),
    });
    const hostileBefore = hostileReceiver.delivered().length;
    const goodBefore = goodReceiver.delivered().length;

    await send(polluter.URLToken, 'p');
    const [own] = (await hostileReceiver.waitForDelivered(hostileBefore + 1)).slice(hostileBefore);
    await send(good.URLToken, 'after-pollution');
    const [next] = (await goodReceiver.waitForDelivered(goodBefore + 1)).slice(goodBefore);

    expect(own.body).toMatchObject({ AIOutput: { text: 'echo' }, sawPollution: 'yes' });
    expect(next.body).toMatchObject({ good: true, polluted: false });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('contains a spinning input function: the request is answered once the limit ends it', async () => {
    const spinner = await createEndpoint(t, {
      flowId,
      webhookUrl: hostileReceiver.url,
      transformer: {
        code: 'createWebhookTransformer({ handleInput: () => { for (;;) {} } });',
        enableInput: true,
        timeoutMs: 300,
      },
    });
    const before = hostileReceiver.delivered().length;

    const started = Date.now();
    const res = await send(spinner.URLToken, 'in');

    expect(res.status).toBe(202);
    expect(Date.now() - started).toBeLessThan(3000);
    await hostileReceiver.waitForDelivered(before + 1);
    const reports = warn.mock.calls.map(([message]) => String(message));
    expect(reports).toContainEqual(
      expect.stringMatching(new RegExp(`handleInput failed on endpoint ${spinner.id} \\[timeout\\]`)),
    );
  });
});
