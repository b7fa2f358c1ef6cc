import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('foundation', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('is ready', async () => {
    const res = await t.request('GET', '/health/ready');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ok', checks: { database: 'ok', migrations: 'ok' } });
  });

  it('answers unknown routes with problem+json 404', async () => {
    const res = await t.request('GET', '/nope');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body).toMatchObject({ status: 404, type: 'urn:hookflow:problem:route-not-found' });
  });

  it('maps malformed JSON to a 400 problem', async () => {
    const res = await t.request('POST', '/api/v1/api-keys', {
      rawBody: '{"name": ',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${t.adminKey}` },
    });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body.type).toBe('urn:hookflow:problem:invalid-json');
  });
});
