import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEndpoint, createFlow } from '../factories/index.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';

describe('ingestion: POST /endpoint/{URLToken}', () => {
  let t: TestApp;
  let receiver: WebhookReceiver;
  let token: string;
  const post = (body: unknown, headers: Record<string, string> = {}, urlToken = token) =>
    t.request('POST', `/endpoint/${urlToken}`, { body, headers });

  beforeAll(async () => {
    t = await startTestApp({ env: { BODY_LIMIT_BYTES: '65536' } });
    receiver = await WebhookReceiver.start();
    const flow = await createFlow(t, { name: 'f', startNodeId: 'a', nodes: [{ id: 'a', type: 'say', text: 'ok' }] });
    token = (await createEndpoint(t, { flowId: flow.id, webhookUrl: receiver.url })).URLToken;
  });
  afterAll(async () => {
    await receiver?.close();
    await t?.close();
  });

  it.each([
    ['text only', { userId: 'u', sessionId: 's', text: 'hi' }],
    ['data only', { userId: 'u', sessionId: 's', data: { a: 1 } }],
    ['empty text with data', { userId: 'u', sessionId: 's', text: '', data: {} }],
    ['limits exactly', { userId: 'u'.repeat(256), sessionId: 's'.repeat(256), text: 't'.repeat(10_000) }],
  ])('accepts %s', async (_name, body) => {
    const res = await post(body);
    expect(res.status).toBe(202);
    expect(res.body.status).toBe('accepted');
  });

  it.each([
    ['missing userId', { sessionId: 's', text: 'hi' }, 'userId'],
    ['empty userId', { userId: '', sessionId: 's', text: 'hi' }, 'userId'],
    ['userId too long', { userId: 'u'.repeat(257), sessionId: 's', text: 'hi' }, 'userId'],
    ['numeric userId', { userId: 7, sessionId: 's', text: 'hi' }, 'userId'],
    ['missing sessionId', { userId: 'u', text: 'hi' }, 'sessionId'],
    ['sessionId too long', { userId: 'u', sessionId: 's'.repeat(257), text: 'hi' }, 'sessionId'],
    ['neither text nor data', { userId: 'u', sessionId: 's' }, 'text'],
    ['empty text without data', { userId: 'u', sessionId: 's', text: '' }, 'text'],
    ['text too long', { userId: 'u', sessionId: 's', text: 't'.repeat(10_001) }, 'text'],
    ['text not a string', { userId: 'u', sessionId: 's', text: 42 }, 'text'],
    ['data an array', { userId: 'u', sessionId: 's', data: [1, 2] }, 'data'],
    ['data a string', { userId: 'u', sessionId: 's', data: 'x' }, 'data'],
    ['unknown field', { userId: 'u', sessionId: 's', text: 'hi', extra: 1 }, 'extra'],
  ])('rejects %s with 400 naming the field', async (_name, body, field) => {
    const res = await post(body);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body.errors.map((error: { field: string }) => error.field)).toContain(field);
  });

  it('rejects a body that is not a JSON object with 400', async () => {
    for (const body of [[1], 'text', 12, null]) {
      const res = await t.request('POST', `/endpoint/${token}`, {
        rawBody: JSON.stringify(body),
        headers: { 'content-type': 'application/json' },
      });
      expect(res.status).toBe(400);
    }
  });

  it('answers malformed JSON with 400, a non-JSON type with 415, an oversized body with 413', async () => {
    const malformed = await t.request('POST', `/endpoint/${token}`, {
      rawBody: '{"userId":',
      headers: { 'content-type': 'application/json' },
    });
    expect(malformed.status).toBe(400);
    const form = await t.request('POST', `/endpoint/${token}`, {
      rawBody: 'userId=u',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status).toBe(415);
    const plain = await t.request('POST', `/endpoint/${token}`, {
      rawBody: 'hello',
      headers: { 'content-type': 'text/plain' },
    });
    expect(plain.status).toBe(415);
    const none = await t.request('POST', `/endpoint/${token}`, { rawBody: '{}' });
    expect(none.status).toBe(415);
    const huge = await post({ userId: 'u', sessionId: 's', data: { blob: 'x'.repeat(70_000) } });
    expect(huge.status).toBe(413);
    for (const res of [malformed, form, plain, none, huge])
      expect(res.headers['content-type']).toContain('application/problem+json');
  });

  it('answers 404 for unknown or malformed tokens and 403 for an inactive endpoint', async () => {
    expect((await post({ userId: 'u', sessionId: 's', text: 'x' }, {}, 'f'.repeat(64))).status).toBe(404);
    expect((await post({ userId: 'u', sessionId: 's', text: 'x' }, {}, 'not-a-token')).status).toBe(404);
    const flow = await createFlow(t, { name: 'f', startNodeId: 'a', nodes: [{ id: 'a', type: 'say', text: 'ok' }] });
    const inactive = await createEndpoint(t, { flowId: flow.id, webhookUrl: receiver.url, active: false });
    const res = await post({ userId: 'u', sessionId: 's', text: 'x' }, {}, inactive.URLToken);
    expect(res.status).toBe(403);
    expect(res.body.type).toBe('urn:hookflow:problem:endpoint-inactive');
  });

  it('requires a valid X-Webhook-Key when authMethod is apiKey, and refuses a revoked one', async () => {
    const flow = await createFlow(t, { name: 'f', startNodeId: 'a', nodes: [{ id: 'a', type: 'say', text: 'ok' }] });
    const endpoint = await createEndpoint(t, { flowId: flow.id, webhookUrl: receiver.url, authMethod: 'apiKey' });
    const created = await t.admin('POST', `/api/v1/endpoints/${endpoint.id}/api-keys`, { name: 'channel' });
    expect(created.status).toBe(201);
    const body = { userId: 'u', sessionId: 's', text: 'x' };
    expect((await post(body, {}, endpoint.URLToken)).status).toBe(401);
    expect((await post(body, { 'x-webhook-key': 'hf_ep_wrong' }, endpoint.URLToken)).status).toBe(401);
    expect((await post(body, { 'x-webhook-key': created.body.key }, endpoint.URLToken)).status).toBe(202);
    expect((await t.admin('DELETE', `/api/v1/endpoints/${endpoint.id}/api-keys/${created.body.id}`)).status).toBe(204);
    expect((await post(body, { 'x-webhook-key': created.body.key }, endpoint.URLToken)).status).toBe(401);
  });

  it('never answers random bodies with a 5xx (fuzz)', async () => {
    const field = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.integer(),
      fc.constant(null),
      fc.boolean(),
      fc.object(),
      fc.array(fc.anything()),
    );
    const body = fc.oneof(
      fc.record({ userId: field, sessionId: field, text: field, data: field }, { requiredKeys: [] }),
      fc.dictionary(fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'prototype')), fc.anything()),
      fc.anything(),
    );
    await fc.assert(
      fc.asyncProperty(body, async (value) => {
        const res = await t.request('POST', `/endpoint/${token}`, {
          rawBody: JSON.stringify(value) ?? 'null',
          headers: { 'content-type': 'application/json' },
        });
        expect(res.status).toBeLessThan(500);
        expect([202, 400]).toContain(res.status);
      }),
      { numRuns: 300 },
    );
    const res = await t.request('POST', `/endpoint/${token}`, {
      rawBody: '{"userId":"u","sessionId":"s","text":"x","__proto__":{"polluted":true}}',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(400);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  }, 60_000);
});
