import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GREETER_FLOW } from '../../src/modules/flow/engine/testing/flow-test-kit.js';
import { createEndpoint, createFlow } from '../factories/index.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';

/** The greeter of CONTRACT.md: intent → question → "Nice to meet you, {{context.name}}!". */
describe('conversations over HTTP', () => {
  let t: TestApp;
  let receiver: WebhookReceiver;
  let endpoint: { id: string; URLToken: string };

  const say = async (sessionId: string, text: string, expectedTotal: number) => {
    const res = await t.request('POST', `/endpoint/${endpoint.URLToken}`, { body: { userId: 'u', sessionId, text } });
    expect(res.status).toBe(202);
    const hooks = await receiver.waitForDelivered(expectedTotal);
    return hooks[expectedTotal - 1].body.AIOutput.text as string;
  };

  beforeAll(async () => {
    t = await startTestApp();
    receiver = await WebhookReceiver.start();
    const flow = await createFlow(t, { ...GREETER_FLOW });
    endpoint = await createEndpoint(t, { flowId: flow.id, webhookUrl: receiver.url });
  });
  afterAll(async () => {
    await receiver?.close();
    await t?.close();
  });

  it('runs the greeter across three messages, keeps sessions apart, and survives a restart', async () => {
    expect(await say('alice', 'hello there', 1)).toBe('Hi! What is your name?');
    expect(await say('bob', 'what is this', 2)).toBe('You said: what is this');

    // Restart the app on the same database: the session state must come back from storage.
    await t.close({ keepDatabase: true });
    t = await startTestApp({ db: t.db, env: { ADMIN_API_KEY: t.adminKey } });

    expect(await say('alice', 'Alice', 3)).toBe('Nice to meet you, Alice!');
    expect(await say('bob', 'again', 4)).toBe('Echo: again');
    expect(await say('alice', 'hi', 5)).toBe('Hi! What is your name?');
  });
});
