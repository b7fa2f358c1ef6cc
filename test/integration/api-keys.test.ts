import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('admin API keys', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  const withBearer = (key: string) => ({ headers: { authorization: `Bearer ${key}` } });
  const withHeader = (key: string) => ({ headers: { 'x-api-key': key } });

  it('creates a key that is shown once and works as Bearer and as X-API-Key', async () => {
    const created = await t.admin('POST', '/api/v1/api-keys', { name: 'ci-deployer' });
    expect(created.status).toBe(201);
    const { key } = created.body;
    expect(key).toMatch(/^hf_admin_[A-Za-z0-9_-]{43}$/);
    expect(created.body).toMatchObject({ id: expect.any(String), name: 'ci-deployer', keyPreview: expect.any(String) });
    expect(created.body.keyPreview.endsWith(key.slice(-4))).toBe(true);

    expect((await t.request('GET', '/api/v1/flows', withBearer(key))).status).toBe(200);
    expect((await t.request('GET', '/api/v1/endpoints', withHeader(key))).status).toBe(200);
    expect((await t.request('GET', '/api/v1/api-keys', withBearer(key))).status).toBe(200);
  });

  it('lists keys without the keys themselves', async () => {
    const created = await t.admin('POST', '/api/v1/api-keys', { name: 'listed' });
    const list = await t.admin('GET', '/api/v1/api-keys?limit=200');
    expect(list.status).toBe(200);
    const item = list.body.items.find((entry: { id: string }) => entry.id === created.body.id);
    expect(item).toEqual({
      id: created.body.id,
      name: 'listed',
      keyPreview: created.body.keyPreview,
      createdAt: created.body.createdAt,
    });
    expect(list.text).not.toContain(created.body.key);
    expect(list.body.nextCursor).toBeNull();
  });

  it('revokes a key: it answers 401 from then on', async () => {
    const created = await t.admin('POST', '/api/v1/api-keys', { name: 'short-lived' });
    expect((await t.request('GET', '/api/v1/flows', withBearer(created.body.key))).status).toBe(200);
    expect((await t.admin('DELETE', `/api/v1/api-keys/${created.body.id}`)).status).toBe(204);
    for (const options of [withBearer(created.body.key), withHeader(created.body.key)]) {
      const res = await t.request('GET', '/api/v1/flows', options);
      expect(res.status).toBe(401);
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
    expect((await t.admin('DELETE', `/api/v1/api-keys/${created.body.id}`)).status).toBe(404);
  });

  it('answers 401 without a key or with a wrong one, and 400 for a nameless key', async () => {
    expect((await t.request('GET', '/api/v1/api-keys')).status).toBe(401);
    expect((await t.request('POST', '/api/v1/api-keys', { body: { name: 'x' } })).status).toBe(401);
    expect((await t.request('GET', '/api/v1/api-keys', withBearer('hf_admin_not-a-key'))).status).toBe(401);
    expect((await t.request('GET', '/api/v1/api-keys', { headers: { authorization: 'Basic abc' } })).status).toBe(401);
    const bad = await t.admin('POST', '/api/v1/api-keys', { name: '' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((error: { field: string }) => error.field)).toContain('name');
  });
});
