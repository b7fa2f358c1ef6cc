import fc from 'fast-check';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEndpoint, createFlow } from '../factories/index.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';
import { httpCall } from './support/load-driver.js';

/** The default limit: the expensive-JSON cases must be cheap at the size a default install accepts. */
const BODY_LIMIT = 1024 * 1024;

/** A body of exactly about `bytes` bytes: an object with that many short keys (the cheapest JSON per key). */
function wideObjectBody(bytes: number): string {
  const keys: string[] = [];
  let size = 50;
  for (let i = 0; size < bytes; i++) {
    const key = i.toString(36);
    keys.push(`"${key}":0`);
    size += key.length + 5;
  }
  return `{"userId":"u","sessionId":"wide","data":{${keys.join(',')}}}`;
}

/**
 * How long answering `raw` may take: 1 s, or more on a machine slow enough that parsing the body alone takes over
 * a twelfth of that. The server parses, checks, stores and answers it (about 6-9 parses' worth); what this guards
 * against, work growing faster than the body (a walk per key, a regex that backtracks), takes many times longer.
 */
function answerBudgetMs(raw: string): number {
  const parses = [0, 1, 2].map(() => {
    const started = performance.now();
    JSON.parse(raw);
    return performance.now() - started;
  });
  return Math.max(1_000, 12 * parses.sort((a, b) => a - b)[1]);
}

const deepObject = (depth: number) =>
  `{"userId":"u","sessionId":"deep","data":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`;
const deepArray = (depth: number) =>
  `{"userId":"u","sessionId":"deep","data":{"a":${'['.repeat(depth)}${']'.repeat(depth)}}}`;

/** Sends a raw body over a real socket, chunked (no Content-Length), and returns status and elapsed ms. */
function postChunked(url: string, chunks: string[]): Promise<{ status: number; contentType: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          contentType: String(res.headers['content-type']),
          ms: Date.now() - started,
        }),
      );
    });
    // The server may answer 413 and close before the whole body went out.
    req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' ? undefined : reject(error)));
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

/**
 * Hostile input on the public ingestion route: unicode edge cases, NUL bytes, prototype-pollution keys, bodies
 * over the limit, and JSON built to be expensive (deep or wide). Never a 5xx, never a stuck server, never a
 * poisoned neighbour in the same group commit.
 */
describe('ingestion under hostile input', () => {
  let t: TestApp;
  let receiver: WebhookReceiver;
  let url: string;
  let path: string;
  const post = (raw: string) =>
    t.request('POST', path, { rawBody: raw, headers: { 'content-type': 'application/json' } });

  beforeAll(async () => {
    t = await startTestApp({ env: { BODY_LIMIT_BYTES: String(BODY_LIMIT) } });
    receiver = await WebhookReceiver.start();
    const flow = await createFlow(t, {
      name: 'echo',
      startNodeId: 'a',
      nodes: [{ id: 'a', type: 'say', text: '{{input.text}}' }],
    });
    const endpoint = await createEndpoint(t, { flowId: flow.id, webhookUrl: receiver.url });
    path = `/endpoint/${endpoint.URLToken}`;
    url = `${t.baseUrl}${path}`;
  });
  afterAll(async () => {
    await receiver?.close();
    await t?.close();
  });

  it.each([
    ['NUL in text', { userId: 'u', sessionId: 's', text: 'a\u0000b' }],
    ['NUL in userId', { userId: 'u\u0000', sessionId: 's', text: 'x' }],
    ['NUL in sessionId', { userId: 'u', sessionId: '\u0000', text: 'x' }],
    ['NUL in a data value', { userId: 'u', sessionId: 's', data: { k: 'a\u0000' } }],
    ['NUL in a data key', { userId: 'u', sessionId: 's', data: { 'k\u0000': 1 } }],
    ['a lone surrogate in text', { userId: 'u', sessionId: 's', text: 'x\ud800' }],
    ['a lone surrogate in data', { userId: 'u', sessionId: 's', data: { k: '\udfff' } }],
    ['a BOM and bidi overrides', { userId: '\ufeffu', sessionId: '\u202es', text: '\u2066x\u2069' }],
    ['astral and combining characters', { userId: '😀', sessionId: 'e\u0301', text: '👩‍👩‍👧‍👦'.repeat(100) }],
    ['line and paragraph separators', { userId: 'u', sessionId: 's', text: '\u2028\u2029', data: { '\u2028': 1 } }],
  ])('answers %s with 202 or 400, never a 5xx', async (_name, body) => {
    const res = await post(JSON.stringify(body));
    expect(res.status, res.text).toBeLessThan(500);
    expect([202, 400]).toContain(res.status);
  });

  it('does not fail good messages that share a group commit with a bad one', async () => {
    const good = Array.from({ length: 30 }, (_, i) => JSON.stringify({ userId: 'u', sessionId: `n${i}`, text: 'ok' }));
    const bad = JSON.stringify({ userId: 'u', sessionId: 'bad', text: 'a\u0000b', data: { k: '\ud800' } });
    const results = await Promise.all([...good.slice(0, 15), bad, ...good.slice(15)].map((raw) => post(raw)));
    const goodStatuses = results.filter((_, i) => i !== 15).map((res) => res.status);
    expect(goodStatuses).toEqual(good.map(() => 202));
    expect(results[15].status).toBeLessThan(500);
  });

  it('never answers random JSON with full-unicode strings with a 5xx (fuzz)', async () => {
    const text = fc.string({ unit: 'binary', maxLength: 100 });
    const body = fc.oneof(
      fc.record(
        { userId: text, sessionId: text, text, data: fc.jsonValue({ maxDepth: 3, stringUnit: 'binary' }) },
        { requiredKeys: ['userId', 'sessionId'] },
      ),
      fc.jsonValue({ maxDepth: 3, stringUnit: 'binary' }),
    );
    const details = await fc.check(
      fc.asyncProperty(body, async (value) => {
        const res = await post(JSON.stringify(value) ?? 'null');
        expect(res.status, `${res.status} for ${JSON.stringify(value).slice(0, 200)}: ${res.text}`).toBeLessThan(500);
      }),
      { numRuns: 300, endOnFailure: true },
    );
    expect(details.failed ? String((details.errorInstance as Error).message).split('\n')[0] : null).toBeNull();
  }, 60_000);

  it('refuses prototype-pollution keys at any depth and leaves Object.prototype untouched', async () => {
    const before = Object.getOwnPropertyNames(Object.prototype).sort();
    for (const raw of [
      '{"userId":"u","sessionId":"s","text":"x","__proto__":{"polluted":"yes"}}',
      '{"userId":"u","sessionId":"s","data":{"__proto__":{"polluted":"yes"}}}',
      '{"userId":"u","sessionId":"s","data":{"a":[{"b":{"__proto__":{"polluted":"yes"}}}]}}',
      '{"userId":"u","sessionId":"s","data":{"constructor":{"prototype":{"polluted":"yes"}}}}',
      '{"userId":"u","sessionId":"s","text":"x","constructor":{"prototype":{"polluted":"yes"}}}',
    ]) {
      const res = await post(raw);
      expect(res.status, raw).toBe(400);
      expect(String(res.headers['content-type'])).toContain('application/problem+json');
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(before);
  });

  it('answers 413 problem+json to a body over the limit, with or without Content-Length, at once', async () => {
    const big = JSON.stringify({ userId: 'u', sessionId: 's', text: 'x', data: { blob: 'y'.repeat(BODY_LIMIT) } });
    const sized = await httpCall(url, { body: JSON.parse(big), timeoutMs: 5_000 });
    expect(sized.status).toBe(413);
    expect(sized.headers?.get('content-type')).toContain('application/problem+json');
    // Chunked: the server cannot know the size up front and must stop reading at the limit.
    const chunked = await postChunked(url, [
      '{"userId":"u","sessionId":"s","data":{"blob":"',
      ...Array(64).fill('z'.repeat(16 * 1024)),
      '"}}',
    ]);
    expect(chunked.status).toBe(413);
    expect(chunked.contentType).toContain('application/problem+json');
    expect(chunked.ms).toBeLessThan(2_000);
    const admin = await httpCall(`${t.baseUrl}/api/v1/flows`, {
      body: { name: 'x'.repeat(BODY_LIMIT), startNodeId: 'a', nodes: [] },
      headers: { authorization: `Bearer ${t.adminKey}` },
    });
    expect(admin.status).toBe(413);
  });

  it.each([
    ['a 10,000-deep object', deepObject(10_000)],
    ['a 30,000-deep array', deepArray(30_000)],
    ['an object with ~120,000 keys (the whole body limit)', wideObjectBody(BODY_LIMIT - 100)],
    ['10,000 escaped characters', `{"userId":"u","sessionId":"s","text":"${'\\u0041'.repeat(10_000)}"}`],
  ])('answers %s in time (1 s; 12 parses on a slow machine), no 5xx or blocked server', async (_name, raw) => {
    expect(raw.length).toBeLessThanOrEqual(BODY_LIMIT);
    const budgetMs = answerBudgetMs(raw);
    let slowestPing = 0;
    let done = false;
    // A second client keeps asking for liveness: a blocked event loop shows up as a slow answer.
    const pinging = (async () => {
      while (!done) {
        const started = Date.now();
        await fetch(`${t.baseUrl}/health/live`);
        slowestPing = Math.max(slowestPing, Date.now() - started);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    const answer = await new Promise<{ status: number; ms: number; text: string }>((resolve, reject) => {
      const req = httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/json' } }, (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, ms: Date.now() - started, text }));
      });
      req.on('error', reject);
      req.end(raw);
    });
    done = true;
    await pinging;
    expect(answer.status, answer.text.slice(0, 300)).toBeLessThan(500);
    expect(answer.ms, 'answer time (ms)').toBeLessThan(budgetMs);
    expect(slowestPing, 'slowest liveness answer meanwhile (ms)').toBeLessThan(budgetMs);
    // And the server is fine afterwards.
    expect((await post(JSON.stringify({ userId: 'u', sessionId: 'after', text: 'ok' }))).status).toBe(202);
  });
});
