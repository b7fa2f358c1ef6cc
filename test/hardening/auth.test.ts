import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEndpoint, createEndpointApiKey, createFlow } from '../factories/index.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';
import {
  createFixtures,
  fillPath,
  listOperations,
  type ApiFixtures,
  type ApiOperation,
} from './support/api-surface.js';

/** Routes that are public by design; anything else outside /api/ would be an unprotected admin surface. */
const PUBLIC_PREFIXES = ['/endpoint/', '/health/', '/metrics', '/docs'];

describe('authentication and isolation', () => {
  let t: TestApp;
  let receiver: WebhookReceiver;
  let fixtures: ApiFixtures;
  let operations: ApiOperation[];
  let revokedKey: string;

  beforeAll(async () => {
    t = await startTestApp();
    receiver = await WebhookReceiver.start();
    fixtures = await createFixtures(t, receiver.url);
    operations = await listOperations(t);
    const revoked = await t.admin('POST', '/api/v1/api-keys', { name: 'to revoke' });
    expect(revoked.status).toBe(201);
    revokedKey = revoked.body.key;
    expect((await t.admin('DELETE', `/api/v1/api-keys/${revoked.body.id}`)).status).toBe(204);
  });
  afterAll(async () => {
    await receiver?.close();
    await t?.close();
  });

  it('documents every /api/ route as secured and exposes nothing else but the public routes', () => {
    const admin = operations.filter((op) => op.path.startsWith('/api/'));
    expect(admin.length).toBeGreaterThanOrEqual(20);
    expect(admin.filter((op) => !op.secured).map((op) => `${op.method} ${op.path}`)).toEqual([]);
    const other = operations.filter((op) => !op.path.startsWith('/api/'));
    expect(
      other.filter((op) => !PUBLIC_PREFIXES.some((prefix) => op.path.startsWith(prefix))).map((op) => op.path),
    ).toEqual([]);
  });

  it('rejects a missing, wrong, malformed, revoked or endpoint-scoped key on every admin route with 401', async () => {
    const credentials: Array<[string, Record<string, string>]> = [
      ['no key', {}],
      ['wrong bearer', { authorization: 'Bearer hf_wrong_key_000000000000' }],
      ['wrong X-API-Key', { 'x-api-key': 'hf_wrong_key_000000000000' }],
      ['revoked key', { authorization: `Bearer ${revokedKey}` }],
      ['revoked key as X-API-Key', { 'x-api-key': revokedKey }],
      ['endpoint X-Webhook-Key as bearer', { authorization: `Bearer ${fixtures.endpointKey}` }],
      ['admin key with a suffix', { authorization: `Bearer ${t.adminKey}x` }],
      ['admin key truncated', { authorization: `Bearer ${t.adminKey.slice(0, -1)}` }],
      ['admin key as Basic', { authorization: `Basic ${Buffer.from(`${t.adminKey}:`).toString('base64')}` }],
      ['empty bearer', { authorization: 'Bearer ' }],
    ];
    const wrong: string[] = [];
    for (const op of operations.filter((candidate) => candidate.path.startsWith('/api/'))) {
      for (const [name, headers] of credentials) {
        const hasBody = ['POST', 'PUT', 'PATCH'].includes(op.method);
        const res = await t.request(op.method, fillPath(op.path, fixtures), {
          ...(hasBody ? { body: {} } : {}),
          headers,
        });
        const ok = res.status === 401 && String(res.headers['content-type']).includes('application/problem+json');
        if (!ok) wrong.push(`${op.method} ${op.path} with ${name}: ${res.status} ${res.text.slice(0, 120)}`);
      }
    }
    expect(wrong, wrong.join('\n')).toEqual([]);
    // Nothing the rejected calls targeted was touched (DELETE, rotate, retry).
    expect((await t.admin('GET', `/api/v1/endpoints/${fixtures.endpointId}`)).body.URLToken).toBe(fixtures.urlToken);
    expect((await t.admin('GET', `/api/v1/flows/${fixtures.flowId}`)).status).toBe(200);
    const keys = await t.admin('GET', '/api/v1/api-keys');
    expect(keys.body.items.map((key: { id: string }) => key.id)).toContain(fixtures.adminKeyId);
  });

  it('accepts the admin key both ways (the control case)', async () => {
    const variants: Array<Record<string, string>> = [
      { authorization: `Bearer ${t.adminKey}` },
      { 'x-api-key': t.adminKey },
    ];
    for (const headers of variants) {
      expect((await t.request('GET', '/api/v1/flows', { headers })).status).toBe(200);
    }
  });

  describe('ingestion cannot reach another endpoint', () => {
    // Its own receiver: the fixtures' delivery must not count here.
    let receiver: WebhookReceiver;
    beforeAll(async () => {
      receiver = await WebhookReceiver.start();
    });
    afterAll(async () => {
      await receiver?.close();
    });

    it("keeps each endpoint's sessions apart for the same userId and sessionId", async () => {
      const flow = await createFlow(t, {
        name: 'remember',
        startNodeId: 'check',
        nodes: [
          { id: 'check', type: 'if', condition: 'context.secret', then: 'known', else: 'store' },
          { id: 'store', type: 'addToContext', key: 'secret', value: '{{input.text}}', next: 'stored' },
          { id: 'stored', type: 'say', text: 'stored' },
          { id: 'known', type: 'say', text: 'secret is {{context.secret}}' },
        ],
      });
      const a = await createEndpoint(t, { flowId: flow.id, webhookUrl: receiver.url });
      const b = await createEndpoint(t, { flowId: flow.id, webhookUrl: receiver.url });
      const send = async (endpoint: { URLToken: string }, text: string) =>
        expect(
          (await t.request('POST', `/endpoint/${endpoint.URLToken}`, { body: { userId: 'u', sessionId: 's', text } }))
            .status,
        ).toBe(202);
      await send(a, 'alpha-secret');
      await receiver.waitForDelivered(1);
      await send(b, 'probe');
      await receiver.waitForDelivered(2);
      await send(a, 'again');
      const hooks = await receiver.waitForDelivered(3);
      const byEndpoint = (id: string) =>
        hooks.filter((hook) => hook.body.endpointId === id).map((hook) => hook.body.AIOutput.text);
      expect(byEndpoint(a.id)).toEqual(['stored', 'secret is alpha-secret']);
      expect(byEndpoint(b.id)).toEqual(['stored']);
    });

    it("does not accept one endpoint's X-Webhook-Key, or a spelling of its token, on another", async () => {
      const flow = await createFlow(t);
      const a = await createEndpoint(t, { flowId: flow.id, webhookUrl: receiver.url, authMethod: 'apiKey' });
      const b = await createEndpoint(t, { flowId: flow.id, webhookUrl: receiver.url, authMethod: 'apiKey' });
      const keyA = (await createEndpointApiKey(t, a.id)).key;
      const keyB = (await createEndpointApiKey(t, b.id)).key;
      const body = { userId: 'u', sessionId: 's', text: 'x' };
      const post = (path: string, key?: string) =>
        t.request('POST', path, { body, headers: key ? { 'x-webhook-key': key } : {} });
      expect((await post(`/endpoint/${a.URLToken}`, keyB)).status).toBe(401);
      expect((await post(`/endpoint/${b.URLToken}`, keyA)).status).toBe(401);
      expect((await post(`/endpoint/${a.URLToken}`, t.adminKey)).status).toBe(401);
      expect((await post(`/endpoint/${a.URLToken}`, keyA)).status).toBe(202);
      for (const path of [
        `/endpoint/${a.URLToken.toUpperCase()}`,
        `/endpoint/${a.URLToken}/`,
        `/endpoint/${a.URLToken}%2f..%2f${b.URLToken}`,
        `/endpoint/${a.URLToken.slice(0, -1)}`,
        `/endpoint/${a.URLToken}%20`,
        `/endpoint/%20${a.URLToken}`,
      ]) {
        const res = await post(path, keyA);
        expect([400, 401, 404, 414], `${path}: ${res.status}`).toContain(res.status);
      }
    });
  });
});
