import type { TestApp } from '../support/test-app.js';
import { createFlow } from './flow.factory.js';

/** Loopback is on the test apps' WEBHOOK_ALLOWED_HOSTS; nothing listens on port 9 (discard). */
export const DEFAULT_WEBHOOK_URL = 'http://127.0.0.1:9/hook';

let counter = 0;

/**
 * Creates an endpoint through the admin API and returns the create response (with `URLToken` and
 * `signingSecret`). Without a `flowId` it first creates a say flow for it.
 */
export async function createEndpoint(t: TestApp, overrides: Record<string, unknown> = {}): Promise<any> {
  const flowId = overrides.flowId ?? (await createFlow(t)).id;
  counter += 1;
  const res = await t.admin('POST', '/api/v1/endpoints', {
    name: `endpoint ${counter}`,
    webhookUrl: DEFAULT_WEBHOOK_URL,
    ...overrides,
    flowId,
  });
  if (res.status !== 201) throw new Error(`createEndpoint: ${res.status} ${res.text}`);
  return res.body;
}

/** Creates an `X-Webhook-Key` for an endpoint; returns the response with the plaintext `key`. */
export async function createEndpointApiKey(t: TestApp, endpointId: string, name = 'test key'): Promise<any> {
  const res = await t.admin('POST', `/api/v1/endpoints/${endpointId}/api-keys`, { name });
  if (res.status !== 201) throw new Error(`createEndpointApiKey: ${res.status} ${res.text}`);
  return res.body;
}
