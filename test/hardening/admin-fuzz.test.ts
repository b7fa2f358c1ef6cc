import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp, type TestResponse } from '../support/test-app.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';
import {
  createFixtures,
  fillPath,
  listOperations,
  validBody,
  type ApiFixtures,
  type ApiOperation,
} from './support/api-surface.js';

/** Strings that break naive handling: NUL (PostgreSQL text rejects it), lone surrogates, BOM, bidi, astral. */
const EDGE_STRINGS = [
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfff',
  '\ufeff',
  '\u202egnp.exe',
  '\u2028\u2029',
  '😀'.repeat(50),
  'e\u0301',
  '👩‍👩‍👧‍👦',
  '\\u0000',
  '%00',
  '',
  ' ',
  '__proto__',
  'constructor',
];
const hostileString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.constantFrom(...EDGE_STRINGS),
  fc.string({ unit: fc.constantFrom(...EDGE_STRINGS), maxLength: 5 }),
);
const hostileJson = fc.oneof(
  fc.jsonValue({ maxDepth: 4, stringUnit: 'binary' }),
  fc.dictionary(hostileString, fc.jsonValue({ maxDepth: 2, stringUnit: 'binary' }), { maxKeys: 6 }),
  hostileString,
);
const keyName = (base: Record<string, unknown>) =>
  fc.oneof(fc.constantFrom(...Object.keys(base), '__proto__', 'constructor', 'prototype'), hostileString);

/** `base` with one key set to `value`, written as JSON text (so `__proto__` is sent as an own key). */
function mutate(base: Record<string, unknown>, key: string, value: unknown): string {
  const rest = Object.fromEntries(Object.entries(base).filter(([name]) => name !== key));
  const inner = JSON.stringify(rest).slice(1, -1);
  return `{${JSON.stringify(key)}:${JSON.stringify(value) ?? 'null'}${inner ? `,${inner}` : ''}}`;
}

/** Percent-encodes every byte, so invalid UTF-8 and NUL reach the server as such. */
const rawBytes = fc
  .uint8Array({ maxLength: 40 })
  .map((bytes) => Array.from(bytes, (byte) => `%${byte.toString(16).padStart(2, '0')}`).join(''));
const pathValue = fc.oneof(
  rawBytes,
  hostileString.map((text) =>
    Array.from(Buffer.from(text, 'utf8'), (byte) => `%${byte.toString(16).padStart(2, '0')}`).join(''),
  ),
  fc.constantFrom('0', '-1', '00000000-0000-0000-0000-000000000000', 'null', '..', '%2e%2e', 'a'.repeat(5000)),
);

/** Asserts a handled answer; a failure message names the operation, what was sent and what came back. */
function expectHandled(op: ApiOperation, res: TestResponse, sent: string): void {
  const what = `${op.method} ${op.path}: ${res.status} ${String(res.headers['content-type'])} for ${JSON.stringify(sent).slice(0, 160)} -> ${res.text.slice(0, 200)}`;
  expect(res.status, what).toBeLessThan(500);
  if (res.status >= 400) expect(String(res.headers['content-type']), what).toContain('application/problem+json');
}

/** Runs a property and returns the first failure's assertion message (fast-check's counterexample is noise here). */
async function firstFailure(property: fc.IAsyncProperty<any>, numRuns: number): Promise<string | null> {
  const details = await fc.check(property, { numRuns, endOnFailure: true });
  if (!details.failed) return null;
  const error = details.errorInstance;
  return error instanceof Error ? error.message.split('\n')[0] : String(error);
}

/**
 * Random and hostile input to every admin operation of the OpenAPI document (bodies, path and query
 * parameters): never a 5xx, always problem+json, and no polluted prototypes in the (in-process) server.
 */
describe('admin API under hostile input (fuzz)', () => {
  let t: TestApp;
  let receiver: WebhookReceiver;
  let fixtures: ApiFixtures;
  let operations: ApiOperation[];
  const prototypeBefore = Object.getOwnPropertyNames(Object.prototype).sort();

  beforeAll(async () => {
    t = await startTestApp();
    receiver = await WebhookReceiver.start();
    fixtures = await createFixtures(t, receiver.url);
    operations = (await listOperations(t)).filter((op) => op.path.startsWith('/api/'));
  });
  afterAll(async () => {
    await receiver?.close();
    await t?.close();
  });

  const call = (op: ApiOperation, path: string, rawBody?: string) =>
    t.request(op.method, path, {
      ...(rawBody === undefined ? {} : { rawBody }),
      headers: {
        authorization: `Bearer ${t.adminKey}`,
        ...(rawBody === undefined ? {} : { 'content-type': 'application/json' }),
      },
    });

  it('finds the admin operations to fuzz', () => {
    expect(operations.filter((op) => op.bodySchema !== null).length).toBeGreaterThanOrEqual(7);
  });

  it('never answers a random or mutated request body with a 5xx', async () => {
    const failures: string[] = [];
    for (const op of operations.filter((candidate) => candidate.bodySchema !== null)) {
      const base = validBody(op.bodySchema, fixtures, receiver.url);
      const body = fc.oneof(
        hostileJson.map((value) => JSON.stringify(value) ?? 'null'),
        fc.tuple(keyName(base), hostileJson).map(([key, value]) => mutate(base, key, value)),
      );
      const failure = await firstFailure(
        fc.asyncProperty(body, async (raw) => {
          expectHandled(op, await call(op, fillPath(op.path, fixtures), raw), raw);
        }),
        60,
      );
      if (failure) failures.push(failure);
    }
    expect(failures, failures.join('\n\n')).toEqual([]);
  }, 120_000);

  it('handles NUL, lone surrogates and other edge strings in every field of a valid body', async () => {
    const failures: string[] = [];
    for (const op of operations.filter((candidate) => candidate.bodySchema !== null)) {
      const base = validBody(op.bodySchema, fixtures, receiver.url);
      for (const key of Object.keys(base).filter((name) => typeof base[name] === 'string')) {
        for (const edge of EDGE_STRINGS) {
          const raw = mutate(base, key, edge);
          const res = await call(op, fillPath(op.path, fixtures), raw);
          if (res.status >= 500) failures.push(`${op.method} ${op.path} ${key}=${JSON.stringify(edge)}: ${res.status}`);
        }
      }
    }
    expect(failures, failures.join('\n')).toEqual([]);
  });

  it('handles NUL, invalid UTF-8, lone surrogates and over-long values in every path and query parameter', async () => {
    const values = ['%00', 'a%00b', '%ff%fe', '%ed%a0%80', '%c0%af', '%2e%2e%2f', 'x'.repeat(300), '%F0%9F%98%80'];
    const failures: string[] = [];
    for (const op of operations) {
      const params = [...op.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
      const body = ['POST', 'PUT', 'PATCH'].includes(op.method) ? '{}' : undefined;
      for (const value of values) {
        const urls = [
          ...params.map((param) => fillPath(op.path, fixtures, (name) => (name === param ? value : undefined))),
          // Query values go to a real resource, so a route that reads them gets that far.
          ...op.queryParams.map((query) => `${fillPath(op.path, fixtures)}?${query}=${value}`),
        ];
        for (const url of urls) {
          const res = await call(op, url, body);
          if (res.status >= 500 || (res.status >= 400 && !String(res.headers['content-type']).includes('problem+json')))
            failures.push(`${op.method} ${url.slice(0, 120)}: ${res.status} ${res.text.slice(0, 100)}`);
        }
      }
    }
    expect(failures, failures.join('\n')).toEqual([]);
  });

  it('never answers random path or query parameters with a 5xx', async () => {
    const failures: string[] = [];
    for (const op of operations) {
      const params = [...op.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
      if (params.length === 0 && op.queryParams.length === 0) continue;
      const failure = await firstFailure(
        fc.asyncProperty(
          fc.constantFrom(...(params.length > 0 ? params : [null])),
          pathValue,
          fc.dictionary(fc.constantFrom(...op.queryParams, 'x'), pathValue, { maxKeys: 4 }),
          async (param, value, query) => {
            const path = fillPath(op.path, fixtures, (name) => (name === param ? value : undefined));
            const search = Object.entries(query)
              .map(([name, text]) => `${name}=${text}`)
              .join('&');
            const url = search ? `${path}?${search}` : path;
            const body = ['POST', 'PUT', 'PATCH'].includes(op.method) ? '{}' : undefined;
            expectHandled(op, await call(op, url, body), url);
          },
        ),
        40,
      );
      if (failure) failures.push(failure);
    }
    expect(failures, failures.join('\n\n')).toEqual([]);
  }, 120_000);

  it('refuses prototype-pollution keys everywhere and leaves Object.prototype untouched', async () => {
    const payloads = [
      '{"__proto__":{"polluted":"yes"}}',
      '{"constructor":{"prototype":{"polluted":"yes"}}}',
      '{"name":"x","defaultContext":{"__proto__":{"polluted":"yes"}}}',
      '{"name":"x","defaultContext":{"a":{"constructor":{"prototype":{"polluted":"yes"}}}}}',
    ];
    for (const op of operations.filter((candidate) => candidate.bodySchema !== null)) {
      for (const payload of payloads) {
        const res = await call(op, fillPath(op.path, fixtures), payload);
        expectHandled(op, res, payload);
        expect(res.status, `${op.method} ${op.path} ${payload}`).toBe(400);
      }
    }
    // Flow context paths are code paths into objects: prototype members are refused on save.
    for (const key of ['__proto__.polluted', 'constructor.prototype.polluted', 'a.__proto__']) {
      const res = await t.admin('POST', '/api/v1/flows', {
        name: 'pollute',
        startNodeId: 'a',
        nodes: [{ id: 'a', type: 'addToContext', key, value: 'yes' }],
      });
      expect(res.status, key).toBe(422);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeBefore);
  });
});
