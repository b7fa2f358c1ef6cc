import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileTransformer } from './transformer-compiler.js';
import { TransformerRuntime } from './transformer-runtime.js';
import type { HookName, HookRunResult, SandboxHost, SandboxHttpRequest } from './transformer.types.js';

/** A real host: HTTP over loopback and an in-memory session store. */
class LoopbackHost implements SandboxHost {
  readonly httpCalls: SandboxHttpRequest[] = [];
  readonly storageLoads: string[] = [];
  readonly storage = new Map<string, Record<string, unknown>>();

  async httpRequest(req: SandboxHttpRequest) {
    this.httpCalls.push(req);
    const res = await fetch(req.url, {
      method: req.method,
      headers: req.headers,
      body: req.body,
      signal: AbortSignal.timeout(req.timeoutMs),
    });
    return { statusCode: res.status, headers: Object.fromEntries(res.headers), body: await res.text() };
  }

  loadSessionStorage(endpointId: string, userId: string, sessionId: string) {
    this.storageLoads.push(`${endpointId}/${userId}/${sessionId}`);
    return Promise.resolve(structuredClone(this.storage.get(`${userId}/${sessionId}`) ?? {}));
  }
}

const host = new LoopbackHost();
const runtime = new TransformerRuntime({ host, poolSize: 2 });
let server: Server;
let baseUrl: string;
const received: Array<{ method?: string; url?: string; headers: IncomingMessage['headers']; body: string }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      received.push({ method: req.method, url: req.url, headers: req.headers, body });
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ echo: body, path: req.url }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await runtime.warmUp();
});

afterAll(async () => {
  await runtime.close();
  await new Promise((resolve) => server.close(resolve));
});

function compile(source: string): string {
  const result = compileTransformer(source);
  if (!result.ok) throw new Error(`${result.message} at ${result.line}:${result.column}`);
  return result.js;
}

function run(source: string, hook: HookName, args: Record<string, unknown> = {}): Promise<HookRunResult> {
  return runtime.runHook({ endpointId: 'ep-1', compiledJs: compile(source), hook, args });
}

function okResult(result: HookRunResult) {
  if (!result.ok) throw new Error(`run failed: ${JSON.stringify(result.error)}`);
  return result;
}

describe('hooks and return values', () => {
  const echo = `createWebhookTransformer({
    handleInput: async ({ request }) => ({ userId: request.body.u, text: 'in' }),
    handleOutput: async ({ output, userId }) => ({ to: userId, text: output.text }),
    handleExecutionFinished: async ({ sessionId }) => 'finished ' + sessionId,
    handleInject: async ({ request }) => ({ userId: 'inj', sessionId: request.query.s }),
    handleNotify: ({ request }) => ({ userId: 'not', text: request.headers['x-t'] }),
  });`;

  it.each([
    [
      'handleInput',
      { request: { method: 'POST', path: '/', query: {}, headers: {}, body: { u: 'u1' } } },
      { userId: 'u1', text: 'in' },
    ],
    ['handleOutput', { output: { text: 'hi', data: {} }, userId: 'u2', sessionId: 's' }, { to: 'u2', text: 'hi' }],
    ['handleExecutionFinished', { userId: 'u', sessionId: 's9' }, 'finished s9'],
    ['handleInject', { request: { query: { s: 's5' }, headers: {}, body: {} } }, { userId: 'inj', sessionId: 's5' }],
    ['handleNotify', { request: { query: {}, headers: { 'x-t': 'hey' }, body: {} } }, { userId: 'not', text: 'hey' }],
  ] as const)('%s receives its arguments and returns a JSON clone', async (hook, args, expected) => {
    const result = okResult(await run(echo, hook, args));

    expect(result.hookPresent).toBe(true);
    expect(result.value).toEqual(expected);
  });

  it.each([
    ['false', false],
    ['0', 0],
    ["''", ''],
    ['null', null],
  ])('keeps a falsy return value %s', async (literal, expected) => {
    const result = okResult(
      await run(`createWebhookTransformer({ handleOutput: async () => ${literal} });`, 'handleOutput'),
    );

    expect(result.value).toBe(expected);
    expect(result.hookPresent).toBe(true);
  });

  it('reports undefined for a hook that returns nothing, and hookPresent false for a missing one', async () => {
    const source = 'createWebhookTransformer({ handleOutput: async () => {} });';

    const returned = okResult(await run(source, 'handleOutput'));
    const missing = okResult(await run(source, 'handleInput', { request: {} }));

    expect(returned).toMatchObject({ hookPresent: true, value: undefined });
    expect(missing).toMatchObject({ hookPresent: false, value: undefined });
    expect(missing.response).toBeUndefined();
  });

  it('runs TypeScript with interfaces, generics and enums', async () => {
    const source = `
      interface Output { text: string; data?: Record<string, unknown> }
      enum Channel { Web = 'web', Voice = 'voice' }
      function shout<T extends string>(value: T): string { return value.toUpperCase(); }
      createWebhookTransformer({
        handleOutput: async ({ output }: { output: Output }): Promise<object> => ({ text: shout(output.text), channel: Channel.Voice }),
      });`;

    const result = okResult(await run(source, 'handleOutput', { output: { text: 'hello' } }));

    expect(result.value).toEqual({ text: 'HELLO', channel: 'voice' });
  });

  it('reports a runtime error with the line and column of the original TypeScript', async () => {
    const source = [
      'createWebhookTransformer({',
      '  handleOutput: async ({ output }: { output: { text: string } }) => {',
      '    const meta: Record<string, { deep: string }> = {};',
      '    const label: string = "x"; return (meta as Record<string, { deep: string }>).missing.deep + label;',
      '  },',
      '});',
    ].join('\n');

    const result = await run(source, 'handleOutput', { output: { text: 'x' } });

    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toMatchObject({ kind: 'error', line: 4 });
    expect(result.error.message).toMatch(/^TypeError: cannot read property 'deep' of undefined/);
    expect(result.error.column).toBe(
      '    const label: string = "x"; return (meta as Record<string, { deep: string }>).missing.'.length,
    );
  });

  it('reports a thrown non-Error value and an error thrown while the module loads', async () => {
    const thrown = await run("createWebhookTransformer({ handleOutput: () => { throw 'plain'; } });", 'handleOutput');
    const atLoad = await run("createWebhookTransformer({});\nthrow new RangeError('at load');", 'handleOutput');

    expect(thrown).toMatchObject({ ok: false, error: { kind: 'error', message: 'plain' } });
    expect(atLoad).toMatchObject({ ok: false, error: { kind: 'error', message: 'RangeError: at load', line: 2 } });
  });

  it('refuses a return value that cannot become JSON', async () => {
    const result = await run(
      'createWebhookTransformer({ handleOutput: () => { const a: any = {}; a.self = a; return a; } });',
      'handleOutput',
    );

    expect(result).toMatchObject({ ok: false, error: { kind: 'error' } });
    expect(result.ok ? '' : result.error.message).toContain('could not be converted to JSON');
  });
});

describe('response', () => {
  it('records status, headers and body, chained like Express', async () => {
    const source = `createWebhookTransformer({
      handleInput: async ({ request, response }) => {
        response.status(201).set('X-Custom', 'yes').set({ 'Cache-Control': 'no-store' }).send({ challenge: request.query.c });
        return null;
      },
    });`;

    const result = okResult(await run(source, 'handleInput', { request: { query: { c: 'abc' } } }));

    expect(result.value).toBeNull();
    expect(result.response).toEqual({
      sent: true,
      statusCode: 201,
      headers: { 'x-custom': 'yes', 'cache-control': 'no-store' },
      body: { challenge: 'abc' },
    });
  });

  it('answers sendStatus with the status text and redirect with a location', async () => {
    const status = okResult(
      await run(
        'createWebhookTransformer({ handleNotify: ({ response }) => { response.sendStatus(204); } });',
        'handleNotify',
      ),
    );
    const redirect = okResult(
      await run(
        "createWebhookTransformer({ handleInject: ({ response }) => { response.redirect('https://example.com/x'); } });",
        'handleInject',
      ),
    );

    expect(status.response).toEqual({ sent: true, statusCode: 204, headers: {}, body: 'No Content' });
    expect(redirect.response).toEqual({ sent: true, statusCode: 302, headers: { location: 'https://example.com/x' } });
  });

  it('is untouched when the hook does not use it, and rejects a second send', async () => {
    const untouched = okResult(
      await run('createWebhookTransformer({ handleInput: () => ({ text: "x" }) });', 'handleInput'),
    );
    const twice = await run(
      "createWebhookTransformer({ handleInput: ({ response }) => { response.send('a'); response.send('b'); } });",
      'handleInput',
    );

    expect(untouched.response).toEqual({ sent: false, statusCode: 200, headers: {} });
    expect(twice).toMatchObject({ ok: false, error: { message: 'Error: The response was already sent.', line: 1 } });
  });
});

describe('globals', () => {
  it('captures console output with its level', async () => {
    const source = `createWebhookTransformer({ handleOutput: () => {
      console.log('plain', 1, { a: [1] }); console.info('info'); console.warn('warn'); console.error(new TypeError('bad')); console.debug(undefined, null);
    } });`;

    const result = okResult(await run(source, 'handleOutput'));

    expect(result.logs).toEqual([
      { level: 'log', message: 'plain 1 {"a":[1]}' },
      { level: 'info', message: 'info' },
      { level: 'warn', message: 'warn' },
      { level: 'error', message: 'TypeError: bad' },
      { level: 'debug', message: 'undefined null' },
    ]);
  });

  it('caps each console line and the number of lines', async () => {
    const source =
      "createWebhookTransformer({ handleOutput: () => { console.log('x'.repeat(100000)); for (let i = 0; i < 1000; i++) console.log(i); } });";

    const result = okResult(await run(source, 'handleOutput'));

    expect(result.logs[0].message.length).toBeLessThanOrEqual(4097);
    expect(result.logs.length).toBeLessThanOrEqual(201);
    expect(result.logs.at(-1)).toEqual({ level: 'warn', message: '[further console output dropped]' });
  });

  it('provides uuid, crypto.randomUUID and lodash', async () => {
    const source = `createWebhookTransformer({ handleOutput: () => ({
      ids: [uuid(), crypto.randomUUID()],
      grouped: _.groupBy(['constructor', 'toString', 'a'], (w) => w),
      picked: _.pick({ a: 1, b: 2 }, ['a']),
      chained: _([1, 2, 3]).map((n) => n * 2).value(),
      first: _.uniqueId('id_'),
    }) });`;

    const result = okResult(await run(source, 'handleOutput'));
    const value = result.value as { ids: string[]; grouped: unknown; picked: unknown; chained: unknown; first: string };

    for (const id of value.ids)
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(value.grouped).toEqual({ constructor: ['constructor'], toString: ['toString'], a: ['a'] });
    expect(value.picked).toEqual({ a: 1 });
    expect(value.chained).toEqual([2, 4, 6]);
    expect(value.first).toBe('id_1');
  });
});

describe('session storage', () => {
  it('loads through the host and returns changed storages as writes', async () => {
    host.storage.set('u1/s1', { visits: 1 });
    host.storage.set('u2/s2', { untouched: true });
    const source = `createWebhookTransformer({ handleOutput: async ({ userId, sessionId }) => {
      const storage = await getSessionStorage(userId, sessionId);
      storage.visits += 1;
      storage.last = 'now';
      const again = await getSessionStorage(userId, sessionId);
      const other = await getSessionStorage('u2', 's2');
      return { same: again === storage, other };
    } });`;

    const result = okResult(await run(source, 'handleOutput', { userId: 'u1', sessionId: 's1' }));

    expect(result.value).toEqual({ same: true, other: { untouched: true } });
    expect(result.sessionStorageWrites).toEqual([{ userId: 'u1', sessionId: 's1', value: { visits: 2, last: 'now' } }]);
    expect(host.storageLoads.slice(-2)).toEqual(['ep-1/u1/s1', 'ep-1/u2/s2']);
  });

  it('writes nothing when the run fails', async () => {
    const source = `createWebhookTransformer({ handleOutput: async () => {
      const storage = await getSessionStorage('u3', 's3');
      storage.changed = true;
      throw new Error('after the change');
    } });`;

    const result = await run(source, 'handleOutput');

    expect(result).toMatchObject({ ok: false, error: { message: 'Error: after the change', line: 4 } });
  });
});

describe('httpRequest', () => {
  it('sends one request through the host and parses a JSON answer', async () => {
    const source = `createWebhookTransformer({ handleOutput: async ({ output }) => {
      const res = await httpRequest({ url: '${baseUrl}/hook', method: 'post', headers: { 'x-a': 1 }, body: { text: output.text } });
      return { status: res.statusCode, body: res.body };
    } });`;

    const result = okResult(await run(source, 'handleOutput', { output: { text: 'hi' } }));

    expect(result.value).toEqual({ status: 200, body: { echo: '{"text":"hi"}', path: '/hook' } });
    expect(received.at(-1)).toMatchObject({ method: 'POST', url: '/hook', body: '{"text":"hi"}' });
    expect(received.at(-1)?.headers).toMatchObject({ 'x-a': '1', 'content-type': 'application/json' });
    const call = host.httpCalls.at(-1);
    expect(call?.timeoutMs).toBeGreaterThan(0);
    expect(call?.timeoutMs).toBeLessThanOrEqual(5000);
  });

  it('rejects a second request in the same run', async () => {
    const before = received.length;
    const source = `createWebhookTransformer({ handleOutput: async () => {
      await httpRequest({ url: '${baseUrl}/one' });
      try {
        await httpRequest({ url: '${baseUrl}/two' });
        return 'second went through';
      } catch (error) {
        return String(error.message);
      }
    } });`;

    const result = okResult(await run(source, 'handleOutput'));

    expect(result.value).toBe('httpRequest may be called at most once per run.');
    expect(received.slice(before).map((r) => r.url)).toEqual(['/one']);
  });

  it('surfaces a host refusal as a rejected promise', async () => {
    const result = okResult(
      await run(
        "createWebhookTransformer({ handleOutput: () => httpRequest({ url: 'http://127.0.0.1:1/' }).then(() => 'ok', (e) => 'refused') });",
        'handleOutput',
      ),
    );

    expect(result.value).toBe('refused');
  });
});
