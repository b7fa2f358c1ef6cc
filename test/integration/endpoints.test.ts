import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EndpointChange, EndpointChangeEvents } from '../../src/modules/endpoint-config/endpoint-change.events.js';
import { EndpointConfigService } from '../../src/modules/endpoint-config/endpoint-config.service.js';
import { createEndpoint, createEndpointApiKey, createFlow, DEFAULT_WEBHOOK_URL } from '../factories/index.js';
import { startTestApp, type TestApp, type TestResponse } from '../support/test-app.js';

const MISSING_ID = '00000000-0000-4000-8000-000000000000';
const PASSWORD = `pw-${randomBytes(9).toString('hex')}-never-shown`;

const DEFAULTS = {
  active: true,
  basicAuthUser: null,
  basicAuthPasswordSet: false,
  authMethod: 'none',
  nluConnector: 'builtin',
  dataProtection: {
    useAnalytics: true,
    useConversations: true,
    maskIPAddress: false,
    maskAnalytics: false,
    maskLogging: false,
    retentionDays: 30,
  },
  transformer: {
    code: '',
    abortOnError: false,
    enableInput: false,
    enableOutput: false,
    enableExecutionFinished: false,
    enableInject: false,
    enableNotify: false,
    timeoutMs: 5000,
  },
  delivery: { timeoutMs: 10000, retrySchedule: [1, 5, 30, 120, 600, 3600, 21600, 86400], maxConcurrency: 64 },
  rateLimit: { perSecond: null, burst: null },
};

/** Records every response body and everything written to stdout/stderr, for the "password never shown" checks. */
function recordTraffic(t: TestApp, bodies: string[]): void {
  const admin = t.admin.bind(t);
  const request = t.request.bind(t);
  const keep = <R extends TestResponse>(res: R): R => {
    bodies.push(res.text);
    return res;
  };
  t.admin = async (...args: Parameters<TestApp['admin']>) => keep(await admin(...args));
  t.request = async (...args: Parameters<TestApp['request']>) => keep(await request(...args));
}

/** Collects what the app writes to stdout/stderr (the Nest logger writes there directly) instead of printing it. */
function captureOutput(into: string[]): () => void {
  const originals = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };
  const collect = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    into.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
    callback?.();
    return true;
  }) as typeof process.stdout.write;
  process.stdout.write = collect;
  process.stderr.write = collect;
  return () => {
    process.stdout.write = originals.out;
    process.stderr.write = originals.err;
  };
}

const fields = (res: TestResponse): string[] => (res.body.errors ?? []).map((error: { field: string }) => error.field);

describe('endpoints', () => {
  let t: TestApp;
  /** An app whose SSRF guard exempts nothing (no WEBHOOK_ALLOWED_HOSTS). */
  let strict: TestApp;
  let flowId: string;
  const bodies: string[] = [];
  const output: string[] = [];
  let stopCapture: () => void = () => undefined;

  beforeAll(async () => {
    stopCapture = captureOutput(output);
    // Debug logging: the password must stay out of even the most talkative level. Nest's log levels are
    // process-wide, so both apps use the same one.
    t = await startTestApp({ env: { LOG_LEVEL: 'debug' } });
    strict = await startTestApp({ env: { LOG_LEVEL: 'debug', WEBHOOK_ALLOWED_HOSTS: '' } });
    recordTraffic(t, bodies);
    recordTraffic(strict, bodies);
    flowId = (await createFlow(t)).id;
  });
  afterAll(async () => {
    stopCapture();
    await Promise.all([t?.close(), strict?.close()]);
  });

  describe('create and read', () => {
    it('creates an endpoint with the documented defaults and returns its signing secret once', async () => {
      const res = await t.admin('POST', '/api/v1/endpoints', {
        name: 'Support bot',
        flowId,
        webhookUrl: DEFAULT_WEBHOOK_URL,
        basicAuthUser: 'bot',
        basicAuthPassword: PASSWORD,
      });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        ...DEFAULTS,
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        name: 'Support bot',
        flowId,
        webhookUrl: DEFAULT_WEBHOOK_URL,
        URLToken: expect.stringMatching(/^[0-9a-f]{64}$/),
        endpointUrl: `${t.config.publicUrl}/endpoint/${res.body.URLToken}`,
        basicAuthUser: 'bot',
        basicAuthPasswordSet: true,
        signingSecret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/),
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      expect(Buffer.from(res.body.signingSecret.slice(6), 'base64')).toHaveLength(32);

      const read = await t.admin('GET', `/api/v1/endpoints/${res.body.id}`);
      expect(read.status).toBe(200);
      const { signingSecret: _secret, ...withoutSecret } = res.body;
      expect(read.body).toEqual(withoutSecret);
      expect(read.text).not.toContain('signingSecret');
    });

    it('takes every setting on create', async () => {
      const settings = {
        active: false,
        authMethod: 'apiKey',
        nluConnector: 'none',
        dataProtection: { maskIPAddress: true, retentionDays: 7 },
        transformer: { code: 'createWebhookTransformer({})', enableInput: true, timeoutMs: 1000 },
        delivery: { timeoutMs: 2000, retrySchedule: [0.5, 2], maxConcurrency: 4 },
        rateLimit: { perSecond: 2.5, burst: 10 },
      };
      const endpoint = await createEndpoint(t, { flowId, ...settings });
      expect(endpoint).toMatchObject({
        ...settings,
        dataProtection: { ...DEFAULTS.dataProtection, ...settings.dataProtection },
        transformer: { ...DEFAULTS.transformer, ...settings.transformer },
      });
    });

    it('lists endpoints without secrets, one page after another, every endpoint exactly once', async () => {
      const created: string[] = [];
      for (let i = 0; i < 5; i++) created.push((await createEndpoint(t, { flowId, name: `page ${i}` })).id);
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: string = cursor ? `?limit=2&cursor=${encodeURIComponent(cursor)}` : '?limit=2';
        const res = await t.admin('GET', `/api/v1/endpoints${query}`);
        expect(res.status).toBe(200);
        expect(res.body.items.length).toBeLessThanOrEqual(2);
        for (const item of res.body.items) expect(item).not.toHaveProperty('signingSecret');
        seen.push(...res.body.items.map((item: { id: string }) => item.id));
        cursor = res.body.nextCursor;
        pages++;
      } while (cursor !== null && pages < 100);
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen.slice(-5)).toEqual(created);
      expect(pages).toBeGreaterThanOrEqual(3);
    });

    it('rejects a cursor it did not issue and a limit over 200', async () => {
      expect((await t.admin('GET', '/api/v1/endpoints?cursor=garbage')).status).toBe(400);
      const res = await t.admin('GET', '/api/v1/endpoints?limit=201');
      expect(res.status).toBe(400);
      expect(fields(res)).toContain('limit');
    });

    it('answers 404 for an unknown endpoint on every route', async () => {
      const routes: Array<[string, string, unknown?]> = [
        ['GET', ''],
        ['PATCH', '', { name: 'x' }],
        ['DELETE', ''],
        ['POST', '/rotate-token'],
        ['POST', '/rotate-secret'],
        ['POST', '/api-keys', { name: 'k' }],
        ['GET', '/api-keys'],
        ['DELETE', `/api-keys/${MISSING_ID}`],
      ];
      for (const [method, suffix, body] of routes) {
        const res = await t.admin(method, `/api/v1/endpoints/${MISSING_ID}${suffix}`, body);
        expect(res.status, `${method} ${suffix}`).toBe(404);
        expect(res.headers['content-type']).toContain('application/problem+json');
      }
    });
  });

  describe('validation', () => {
    const valid = () => ({ name: 'v', flowId, webhookUrl: DEFAULT_WEBHOOK_URL });

    it.each<[string, Record<string, unknown>, string]>([
      ['a missing webhookUrl', { webhookUrl: undefined }, 'webhookUrl'],
      ['a webhookUrl that is not a URL', { webhookUrl: 'not a url' }, 'webhookUrl'],
      ['a webhookUrl with another scheme', { webhookUrl: 'ftp://example.com/hook' }, 'webhookUrl'],
      ['a webhookUrl without a host', { webhookUrl: 'http://' }, 'webhookUrl'],
      ['a webhookUrl over 2048 characters', { webhookUrl: `http://127.0.0.1/${'a'.repeat(2040)}` }, 'webhookUrl'],
      ['a missing name', { name: undefined }, 'name'],
      ['an empty name', { name: '' }, 'name'],
      ['a name over 200 characters', { name: 'n'.repeat(201) }, 'name'],
      ['a missing flowId', { flowId: undefined }, 'flowId'],
      ['a malformed flowId', { flowId: 'flow-1' }, 'flowId'],
      ['an unknown top-level field', { colour: 'blue' }, 'colour'],
      ['an unknown nested field', { dataProtection: { maskEverything: true } }, 'dataProtection.maskEverything'],
      ['an unknown delivery field', { delivery: { retries: 3 } }, 'delivery.retries'],
      ['a settings group that is not an object', { transformer: 5 }, 'transformer'],
      ['active that is not a boolean', { active: 'yes' }, 'active'],
      ['an unknown authMethod', { authMethod: 'oauth' }, 'authMethod'],
      ['an unknown nluConnector', { nluConnector: 'watson' }, 'nluConnector'],
      ['a basicAuthUser over 256 characters', { basicAuthUser: 'u'.repeat(257) }, 'basicAuthUser'],
      ['a basicAuthPassword over 256 characters', { basicAuthPassword: 'p'.repeat(257) }, 'basicAuthPassword'],
      ['retentionDays 0', { dataProtection: { retentionDays: 0 } }, 'dataProtection.retentionDays'],
      ['retentionDays 3651', { dataProtection: { retentionDays: 3651 } }, 'dataProtection.retentionDays'],
      ['fractional retentionDays', { dataProtection: { retentionDays: 1.5 } }, 'dataProtection.retentionDays'],
      ['transformer code over 200 KB', { transformer: { code: 'x'.repeat(200 * 1024 + 1) } }, 'transformer.code'],
      ['a transformer timeout of 99 ms', { transformer: { timeoutMs: 99 } }, 'transformer.timeoutMs'],
      ['a transformer timeout of 5001 ms', { transformer: { timeoutMs: 5001 } }, 'transformer.timeoutMs'],
      ['a delivery timeout of 99 ms', { delivery: { timeoutMs: 99 } }, 'delivery.timeoutMs'],
      ['a delivery timeout of 60001 ms', { delivery: { timeoutMs: 60001 } }, 'delivery.timeoutMs'],
      ['a negative retry delay', { delivery: { retrySchedule: [1, -1] } }, 'delivery.retrySchedule'],
      ['a retry delay over a week', { delivery: { retrySchedule: [604801] } }, 'delivery.retrySchedule'],
      ['21 retry delays', { delivery: { retrySchedule: new Array(21).fill(1) } }, 'delivery.retrySchedule'],
      ['a retry delay that is not a number', { delivery: { retrySchedule: ['1'] } }, 'delivery.retrySchedule'],
      ['maxConcurrency 0', { delivery: { maxConcurrency: 0 } }, 'delivery.maxConcurrency'],
      ['maxConcurrency 257', { delivery: { maxConcurrency: 257 } }, 'delivery.maxConcurrency'],
      ['a rate below 1 per second', { rateLimit: { perSecond: 0.5 } }, 'rateLimit.perSecond'],
      ['a rate above 100000 per second', { rateLimit: { perSecond: 100001 } }, 'rateLimit.perSecond'],
      ['a fractional burst', { rateLimit: { perSecond: 5, burst: 1.5 } }, 'rateLimit.burst'],
    ])('answers 400 naming the field for %s', async (_label, change, field) => {
      const res = await t.admin('POST', '/api/v1/endpoints', { ...valid(), ...change });
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body).toMatchObject({ status: 400, type: 'urn:hookflow:problem:validation-failed' });
      expect(fields(res)).toContain(field);
    });

    it('answers 400 naming flowId for a well-formed id of no flow', async () => {
      const res = await t.admin('POST', '/api/v1/endpoints', { ...valid(), flowId: MISSING_ID });
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([{ field: 'flowId', message: 'no flow with this id' }]);
    });

    it('lists every bad field at once', async () => {
      const res = await t.admin('POST', '/api/v1/endpoints', {
        name: '',
        flowId: 'x',
        webhookUrl: 'nope',
        delivery: { maxConcurrency: 0 },
      });
      expect(res.status).toBe(400);
      expect(fields(res)).toEqual(expect.arrayContaining(['name', 'flowId', 'webhookUrl', 'delivery.maxConcurrency']));
    });
  });

  describe('SSRF guard at save time', () => {
    let strictFlowId: string;
    beforeAll(async () => {
      strictFlowId = (await createFlow(strict)).id;
    });

    it.each([
      ['http://127.0.0.1/', 'loopback'],
      ['http://10.0.0.1/', 'private'],
      ['http://169.254.169.254/latest/meta-data', 'metadata'],
      ['http://[::1]/', 'loopback'],
      ['http://[::ffff:127.0.0.1]/', 'loopback'],
      ['http://2130706433/', 'loopback'],
      ['http://localhost:9/', 'forbidden address'],
    ])('refuses %s on create', async (webhookUrl, reason) => {
      const res = await strict.admin('POST', '/api/v1/endpoints', { name: 's', flowId: strictFlowId, webhookUrl });
      expect(res.status).toBe(400);
      expect(res.body.errors).toHaveLength(1);
      expect(res.body.errors[0]).toEqual({ field: 'webhookUrl', message: expect.stringContaining(reason) });
    });

    it('refuses a forbidden webhookUrl on PATCH and keeps the old one', async () => {
      const res = await strict.admin('POST', '/api/v1/endpoints', {
        name: 's',
        flowId: strictFlowId,
        webhookUrl: 'https://93.184.215.14/hook',
      });
      expect(res.status).toBe(201);
      const patch = await strict.admin('PATCH', `/api/v1/endpoints/${res.body.id}`, { webhookUrl: 'http://10.1.2.3/' });
      expect(patch.status).toBe(400);
      expect(patch.body.errors).toEqual([{ field: 'webhookUrl', message: expect.stringContaining('private') }]);
      expect((await strict.admin('GET', `/api/v1/endpoints/${res.body.id}`)).body.webhookUrl).toBe(
        'https://93.184.215.14/hook',
      );
    });

    it('exempts the hosts WEBHOOK_ALLOWED_HOSTS lists', async () => {
      for (const webhookUrl of ['http://127.0.0.1:9/hook', 'http://localhost:9/hook']) {
        const res = await t.admin('POST', '/api/v1/endpoints', { name: 'allowed', flowId, webhookUrl });
        expect(res.status, webhookUrl).toBe(201);
      }
      const notListed = await t.admin('POST', '/api/v1/endpoints', {
        name: 'x',
        flowId,
        webhookUrl: 'http://10.0.0.1/',
      });
      expect(notListed.status).toBe(400);
    });
  });

  describe('PATCH (JSON merge patch)', () => {
    it('merges nested settings, resets keys set to null, and replaces arrays', async () => {
      const endpoint = await createEndpoint(t, { flowId });
      const first = await t.admin('PATCH', `/api/v1/endpoints/${endpoint.id}`, {
        dataProtection: { maskLogging: true, retentionDays: 90 },
        transformer: { code: 'createWebhookTransformer({})', enableOutput: true },
        delivery: { retrySchedule: [0.5, 2] },
        rateLimit: { perSecond: 5 },
      });
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({
        dataProtection: { ...DEFAULTS.dataProtection, maskLogging: true, retentionDays: 90 },
        transformer: { ...DEFAULTS.transformer, code: 'createWebhookTransformer({})', enableOutput: true },
        delivery: { ...DEFAULTS.delivery, retrySchedule: [0.5, 2] },
        rateLimit: { perSecond: 5, burst: null },
      });
      expect(first.body).not.toHaveProperty('signingSecret');
      expect(first.body.URLToken).toBe(endpoint.URLToken);

      const second = await t.admin('PATCH', `/api/v1/endpoints/${endpoint.id}`, {
        dataProtection: { retentionDays: null },
        transformer: null,
        delivery: { maxConcurrency: 2 },
      });
      expect(second.status).toBe(200);
      expect(second.body).toMatchObject({
        dataProtection: { ...DEFAULTS.dataProtection, maskLogging: true },
        transformer: DEFAULTS.transformer,
        delivery: { ...DEFAULTS.delivery, retrySchedule: [0.5, 2], maxConcurrency: 2 },
        rateLimit: { perSecond: 5, burst: null },
      });
      expect(new Date(second.body.updatedAt).getTime()).toBeGreaterThanOrEqual(new Date(endpoint.updatedAt).getTime());
    });

    it('changes top-level fields, and null resets them to their defaults', async () => {
      const endpoint = await createEndpoint(t, { flowId });
      const otherFlow = await createFlow(t);
      const changed = await t.admin('PATCH', `/api/v1/endpoints/${endpoint.id}`, {
        name: 'renamed',
        flowId: otherFlow.id,
        active: false,
        authMethod: 'apiKey',
        nluConnector: 'none',
        webhookUrl: 'http://localhost:9/other',
      });
      expect(changed.status).toBe(200);
      expect(changed.body).toMatchObject({
        name: 'renamed',
        flowId: otherFlow.id,
        active: false,
        authMethod: 'apiKey',
        nluConnector: 'none',
        webhookUrl: 'http://localhost:9/other',
      });
      const reset = await t.admin('PATCH', `/api/v1/endpoints/${endpoint.id}`, {
        active: null,
        authMethod: null,
        nluConnector: null,
        rateLimit: null,
      });
      expect(reset.body).toMatchObject({
        active: true,
        authMethod: 'none',
        nluConnector: 'builtin',
        rateLimit: DEFAULTS.rateLimit,
      });
    });

    it('sets and clears the basic-auth credentials without ever returning the password', async () => {
      const endpoint = await createEndpoint(t, { flowId });
      expect(endpoint.basicAuthPasswordSet).toBe(false);
      const set = await t.admin('PATCH', `/api/v1/endpoints/${endpoint.id}`, {
        basicAuthUser: 'u',
        basicAuthPassword: PASSWORD,
      });
      expect(set.body).toMatchObject({ basicAuthUser: 'u', basicAuthPasswordSet: true });
      expect(set.body).not.toHaveProperty('basicAuthPassword');
      const service = t.app.get(EndpointConfigService);
      await expect(service.findRuntimeById(endpoint.id)).resolves.toMatchObject({
        basicAuth: { user: 'u', password: PASSWORD },
      });

      const userOnly = await t.admin('PATCH', `/api/v1/endpoints/${endpoint.id}`, { basicAuthUser: 'v' });
      expect(userOnly.body).toMatchObject({ basicAuthUser: 'v', basicAuthPasswordSet: true });

      const cleared = await t.admin('PATCH', `/api/v1/endpoints/${endpoint.id}`, { basicAuthPassword: null });
      expect(cleared.body).toMatchObject({ basicAuthUser: 'v', basicAuthPasswordSet: false });
      await expect(service.findRuntimeById(endpoint.id)).resolves.toMatchObject({
        basicAuth: { user: 'v', password: '' },
      });

      const noUser = await t.admin('PATCH', `/api/v1/endpoints/${endpoint.id}`, { basicAuthUser: null });
      expect(noUser.body.basicAuthUser).toBeNull();
      await expect(service.findRuntimeById(endpoint.id)).resolves.toMatchObject({ basicAuth: null });
    });

    it('refuses removing a required field, a bad flowId and unknown fields, and leaves the endpoint unchanged', async () => {
      const endpoint = await createEndpoint(t, { flowId, name: 'unchanged' });
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ name: null }, 'name'],
        [{ webhookUrl: null }, 'webhookUrl'],
        [{ flowId: null }, 'flowId'],
        [{ flowId: MISSING_ID }, 'flowId'],
        [{ dataProtection: { retentionDays: 0 } }, 'dataProtection.retentionDays'],
        [{ transformer: { language: 'ts' } }, 'transformer.language'],
        [{ URLToken: 'a'.repeat(64) }, 'URLToken'],
        [{ signingSecret: 'whsec_x' }, 'signingSecret'],
      ];
      for (const [patch, field] of cases) {
        const res = await t.admin('PATCH', `/api/v1/endpoints/${endpoint.id}`, patch);
        expect(res.status, JSON.stringify(patch)).toBe(400);
        expect(fields(res)).toContain(field);
      }
      const read = await t.admin('GET', `/api/v1/endpoints/${endpoint.id}`);
      const { signingSecret: _s, ...unchanged } = endpoint;
      expect(read.body).toEqual(unchanged);
    });
  });

  describe('token and secret rotation', () => {
    it('rotates the URL token: the old one stops finding the endpoint at once', async () => {
      const endpoint = await createEndpoint(t, { flowId });
      const service = t.app.get(EndpointConfigService);
      const changes: EndpointChange[] = [];
      const subscription = t.app.get(EndpointChangeEvents).changes$.subscribe((change) => changes.push(change));
      try {
        await expect(service.findByUrlToken(endpoint.URLToken)).resolves.toMatchObject({ id: endpoint.id });
        const res = await t.admin('POST', `/api/v1/endpoints/${endpoint.id}/rotate-token`);
        expect(res.status).toBe(200);
        expect(res.body.URLToken).toMatch(/^[0-9a-f]{64}$/);
        expect(res.body.URLToken).not.toBe(endpoint.URLToken);
        expect(res.body.endpointUrl).toBe(`${t.config.publicUrl}/endpoint/${res.body.URLToken}`);
        expect(res.body).not.toHaveProperty('signingSecret');
        await expect(service.findByUrlToken(endpoint.URLToken)).resolves.toBeNull();
        await expect(service.findByUrlToken(res.body.URLToken)).resolves.toMatchObject({ id: endpoint.id });
        expect(changes).toEqual([
          {
            kind: 'token-rotated',
            endpointId: endpoint.id,
            oldUrlToken: endpoint.URLToken,
            newUrlToken: res.body.URLToken,
          },
        ]);
      } finally {
        subscription.unsubscribe();
      }
    });

    it('rotates the signing secret, returning the new one only in that response', async () => {
      const endpoint = await createEndpoint(t, { flowId });
      const res = await t.admin('POST', `/api/v1/endpoints/${endpoint.id}/rotate-secret`);
      expect(res.status).toBe(200);
      expect(res.body.signingSecret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      expect(res.body.signingSecret).not.toBe(endpoint.signingSecret);
      expect(res.body.URLToken).toBe(endpoint.URLToken);
      const read = await t.admin('GET', `/api/v1/endpoints/${endpoint.id}`);
      expect(read.text).not.toContain(res.body.signingSecret);
      expect(read.body).not.toHaveProperty('signingSecret');
      const runtime = await t.app.get(EndpointConfigService).findRuntimeById(endpoint.id);
      expect(runtime?.signingSecret).toBe(res.body.signingSecret);
    });

    it('notifies a change with the tokens on PATCH and on delete', async () => {
      const endpoint = await createEndpoint(t, { flowId });
      const changes: EndpointChange[] = [];
      const subscription = t.app.get(EndpointChangeEvents).changes$.subscribe((change) => changes.push(change));
      try {
        await t.admin('PATCH', `/api/v1/endpoints/${endpoint.id}`, { active: false });
        await t.admin('DELETE', `/api/v1/endpoints/${endpoint.id}`);
      } finally {
        subscription.unsubscribe();
      }
      expect(changes).toEqual([
        { kind: 'updated', endpointId: endpoint.id, oldUrlToken: endpoint.URLToken, newUrlToken: endpoint.URLToken },
        { kind: 'deleted', endpointId: endpoint.id, oldUrlToken: endpoint.URLToken, newUrlToken: null },
      ]);
    });
  });

  describe('runtime config for the pipeline', () => {
    it('finds an endpoint by URL token with its secrets decrypted and defaults resolved', async () => {
      const endpoint = await createEndpoint(t, {
        flowId,
        basicAuthUser: 'bot',
        basicAuthPassword: PASSWORD,
        authMethod: 'apiKey',
        rateLimit: { perSecond: 2.5 },
      });
      const runtime = await t.app.get(EndpointConfigService).findByUrlToken(endpoint.URLToken);
      expect(runtime).toEqual({
        id: endpoint.id,
        name: endpoint.name,
        flowId,
        active: true,
        urlToken: endpoint.URLToken,
        webhookUrl: DEFAULT_WEBHOOK_URL,
        basicAuth: { user: 'bot', password: PASSWORD },
        signingSecret: endpoint.signingSecret,
        authMethod: 'apiKey',
        nluConnector: 'builtin',
        dataProtection: DEFAULTS.dataProtection,
        transformer: DEFAULTS.transformer,
        transformerJs: null,
        delivery: DEFAULTS.delivery,
        rateLimit: { perSecond: 2.5, burst: 3 },
        updatedAt: expect.any(Date),
      });
    });

    it('answers null for unknown and malformed tokens and ids', async () => {
      const service = t.app.get(EndpointConfigService);
      await expect(service.findByUrlToken('f'.repeat(64))).resolves.toBeNull();
      await expect(service.findByUrlToken("' OR 1=1 --")).resolves.toBeNull();
      await expect(service.findRuntimeById(MISSING_ID)).resolves.toBeNull();
    });

    it('stores the password and the signing secret encrypted', async () => {
      const endpoint = await createEndpoint(t, { flowId, basicAuthUser: 'bot', basicAuthPassword: PASSWORD });
      const rows: Array<Record<string, string>> = await t.app
        .get(DataSource)
        .query('SELECT basic_auth_password_enc, signing_secret_enc FROM endpoints WHERE id = $1', [endpoint.id]);
      expect(rows).toHaveLength(1);
      const row = rows[0];
      expect(row.basic_auth_password_enc).toMatch(/^v1\./);
      expect(row.basic_auth_password_enc).not.toContain(PASSWORD);
      expect(row.signing_secret_enc).toMatch(/^v1\./);
      expect(row.signing_secret_enc).not.toContain(endpoint.signingSecret.slice(6));
      const dump: Array<Record<string, unknown>> = await t.app.get(DataSource).query('SELECT * FROM endpoints');
      expect(JSON.stringify(dump)).not.toContain(PASSWORD);
    });
  });

  describe('endpoint API keys (X-Webhook-Key)', () => {
    it('creates a key shown once, lists it masked, verifies it, and revokes it', async () => {
      const endpoint = await createEndpoint(t, { flowId, authMethod: 'apiKey' });
      const other = await createEndpoint(t, { flowId });
      const service = t.app.get(EndpointConfigService);

      const created = await t.admin('POST', `/api/v1/endpoints/${endpoint.id}/api-keys`, { name: 'mobile app' });
      expect(created.status).toBe(201);
      const { key } = created.body;
      expect(key).toMatch(/^hf_ep_[A-Za-z0-9_-]{43}$/);
      expect(created.body).toEqual({
        id: expect.any(String),
        endpointId: endpoint.id,
        name: 'mobile app',
        keyPreview: `hf_ep_…${key.slice(-4)}`,
        createdAt: expect.any(String),
        key,
      });

      const list = await t.admin('GET', `/api/v1/endpoints/${endpoint.id}/api-keys`);
      expect(list.status).toBe(200);
      expect(list.body).toEqual({ items: [{ ...created.body, key: undefined }], nextCursor: null });
      expect(list.text).not.toContain(key.slice(6, -4));
      expect((await t.admin('GET', `/api/v1/endpoints/${other.id}/api-keys`)).body.items).toEqual([]);

      await expect(service.verifyEndpointApiKey(endpoint.id, key)).resolves.toBe(true);
      await expect(service.verifyEndpointApiKey(other.id, key)).resolves.toBe(false);
      await expect(service.verifyEndpointApiKey(endpoint.id, `${key}x`)).resolves.toBe(false);
      await expect(service.verifyEndpointApiKey(endpoint.id, '')).resolves.toBe(false);

      expect((await t.admin('DELETE', `/api/v1/endpoints/${other.id}/api-keys/${created.body.id}`)).status).toBe(404);
      expect((await t.admin('DELETE', `/api/v1/endpoints/${endpoint.id}/api-keys/${created.body.id}`)).status).toBe(
        204,
      );
      await expect(service.verifyEndpointApiKey(endpoint.id, key)).resolves.toBe(false);
      expect((await t.admin('GET', `/api/v1/endpoints/${endpoint.id}/api-keys`)).body.items).toEqual([]);
      expect((await t.admin('DELETE', `/api/v1/endpoints/${endpoint.id}/api-keys/${created.body.id}`)).status).toBe(
        404,
      );
    });

    it('validates the key name and pages the list', async () => {
      const endpoint = await createEndpoint(t, { flowId });
      const bad = await t.admin('POST', `/api/v1/endpoints/${endpoint.id}/api-keys`, { name: '', extra: 1 });
      expect(bad.status).toBe(400);
      expect(fields(bad)).toEqual(expect.arrayContaining(['name', 'extra']));
      const ids = [];
      for (let i = 0; i < 3; i++) ids.push((await createEndpointApiKey(t, endpoint.id, `k${i}`)).id);
      const first = await t.admin('GET', `/api/v1/endpoints/${endpoint.id}/api-keys?limit=2`);
      const second = await t.admin(
        'GET',
        `/api/v1/endpoints/${endpoint.id}/api-keys?limit=2&cursor=${first.body.nextCursor}`,
      );
      expect([...first.body.items, ...second.body.items].map((item: { id: string }) => item.id)).toEqual(ids);
      expect(second.body.nextCursor).toBeNull();
    });

    it('deletes an endpoint’s keys with the endpoint', async () => {
      const endpoint = await createEndpoint(t, { flowId });
      const { key } = await createEndpointApiKey(t, endpoint.id);
      expect((await t.admin('DELETE', `/api/v1/endpoints/${endpoint.id}`)).status).toBe(204);
      await expect(t.app.get(EndpointConfigService).verifyEndpointApiKey(endpoint.id, key)).resolves.toBe(false);
    });
  });

  describe('delete', () => {
    it('deletes an endpoint: gone from the API and from the pipeline lookup', async () => {
      const endpoint = await createEndpoint(t, { flowId });
      expect((await t.admin('DELETE', `/api/v1/endpoints/${endpoint.id}`)).status).toBe(204);
      expect((await t.admin('GET', `/api/v1/endpoints/${endpoint.id}`)).status).toBe(404);
      await expect(t.app.get(EndpointConfigService).findByUrlToken(endpoint.URLToken)).resolves.toBeNull();
      expect((await t.admin('DELETE', `/api/v1/endpoints/${endpoint.id}`)).status).toBe(404);
    });
  });

  describe('admin authentication', () => {
    it('answers 401 without a key, with a wrong key and with a revoked key', async () => {
      expect((await t.request('GET', '/api/v1/endpoints')).status).toBe(401);
      const wrong = await t.request('GET', '/api/v1/endpoints', {
        headers: { authorization: 'Bearer hf_admin_wrong' },
      });
      expect(wrong.status).toBe(401);
      expect(wrong.headers['content-type']).toContain('application/problem+json');
      const noBody = await t.request('POST', '/api/v1/endpoints', { body: { name: 'x' } });
      expect(noBody.status).toBe(401);

      const created = await t.admin('POST', '/api/v1/api-keys', { name: 'temporary' });
      const headers = { 'x-api-key': created.body.key };
      expect((await t.request('GET', '/api/v1/endpoints?limit=1', { headers })).status).toBe(200);
      expect((await t.admin('DELETE', `/api/v1/api-keys/${created.body.id}`)).status).toBe(204);
      expect((await t.request('GET', '/api/v1/endpoints?limit=1', { headers })).status).toBe(401);
    });
  });

  // Runs last: scans everything the tests above received and everything the app wrote to stdout/stderr.
  describe('secrets', () => {
    it('never shows the basic-auth password in any response or in the log output', async () => {
      const invalid = await t.admin('POST', '/api/v1/endpoints', {
        name: '',
        flowId,
        webhookUrl: 'http://10.0.0.1/',
        basicAuthPassword: PASSWORD,
      });
      expect(invalid.status).toBe(400);
      expect(bodies.length).toBeGreaterThan(50);
      for (const body of bodies) expect(body).not.toContain(PASSWORD);
      expect(output.join('').length).toBeGreaterThan(0);
      expect(output.join('')).not.toContain(PASSWORD);
    });
  });
});
