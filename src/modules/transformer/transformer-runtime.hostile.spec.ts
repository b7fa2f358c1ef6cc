import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileTransformer } from './transformer-compiler.js';
import { TransformerRuntime } from './transformer-runtime.js';
import type { HookRunResult, RunErrorKind, SandboxHost } from './transformer.types.js';

const host: SandboxHost = {
  httpRequest: () => Promise.reject(new Error('no network in this test')),
  loadSessionStorage: () => Promise.resolve({}),
};

function hook(body: string): string {
  const result = compileTransformer(`createWebhookTransformer({\n  handleOutput: async () => {\n${body}\n  },\n});`);
  if (!result.ok) throw new Error(result.message);
  return result.js;
}

function runOn(
  runtime: TransformerRuntime,
  body: string,
  timeoutMs?: number,
  endpointId = 'ep',
): Promise<HookRunResult> {
  return runtime.runHook({ endpointId, compiledJs: hook(body), hook: 'handleOutput', args: {}, timeoutMs });
}

describe('hostile code', () => {
  const runtime = new TransformerRuntime({ host, poolSize: 2 });
  beforeAll(() => runtime.warmUp());
  afterAll(() => runtime.close());

  const cases: Array<[name: string, body: string, timeoutMs: number, kinds: RunErrorKind[], message: RegExp]> = [
    ['an endless loop', 'while (true) {}', 300, ['timeout'], /timed out after 300 ms/],
    [
      'a memory bomb',
      "const a = []; while (true) a.push('x'.repeat(1e6));",
      3000,
      ['memory', 'timeout'],
      /memory|timed out/,
    ],
    [
      'many small objects',
      'const a = []; while (true) a.push({ i: a.length, s: "s" + a.length });',
      5000,
      ['memory'],
      /memory/,
    ],
    ['deep recursion', 'function f(n) { return f(n + 1) + 1; }\nreturn f(0);', 3000, ['error'], /stack overflow/],
    ['process.exit()', 'process.exit(1);', 1000, ['error'], /'process' is not defined/],
    [
      "require('fs')",
      "return require('fs').readFileSync('/etc/passwd', 'utf8');",
      1000,
      ['error'],
      /'require' is not defined/,
    ],
    [
      'the constructor escape',
      "return this.constructor.constructor('return process')().env;",
      1000,
      ['error'],
      /'process' is not defined/,
    ],
    ['a promise that never settles', 'await new Promise(() => {});', 300, ['timeout'], /timed out after 300 ms/],
    [
      'an endless microtask chain',
      'const f = () => Promise.resolve().then(f); f(); return 1;',
      300,
      ['timeout'],
      /timed out/,
    ],
    // A native loop over 2^32 indices never reaches QuickJS's interrupt check: the worker is terminated.
    [
      'an uninterruptible builtin',
      'return new Array(2 ** 32 - 1).includes(1);',
      300,
      ['timeout'],
      /worker was terminated/,
    ],
  ];

  it.each(cases)('contains %s and keeps the pool working', async (_name, body, timeoutMs, kinds, message) => {
    const started = performance.now();
    const result = await runOn(runtime, body, timeoutMs);

    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(kinds).toContain(result.error.kind);
    expect(result.error.message).toMatch(message);
    expect(performance.now() - started).toBeLessThan(timeoutMs + 3000);
    await expect(runOn(runtime, "return 'alive';")).resolves.toMatchObject({ ok: true, value: 'alive' });
  });

  it('reports the line of a stack overflow', async () => {
    const result = await runOn(runtime, 'const x = 1;\nfunction f(n) { return f(n + 1) + 1; }\nreturn f(0);');

    expect(result).toMatchObject({ ok: false, error: { kind: 'error', line: 4 } });
  });
});

describe('isolation between runs', () => {
  // One worker, so both runs certainly share the QuickJS runtime.
  const runtime = new TransformerRuntime({ host, poolSize: 1 });
  afterAll(() => runtime.close());

  it('does not carry globals, prototype changes or lodash changes into the next run', async () => {
    const attack = `
      Object.prototype.polluted = 1;
      Array.prototype.evil = 2;
      Function.prototype.call = () => 'hijacked';
      JSON.parse = () => ({ hijacked: true });
      globalThis.leak = 'secret';
      var declared = 'also secret';
      try { _.map = () => 'hijacked'; } catch (e) {}
      try { _.mixin({ evil: () => 'hijacked' }); } catch (e) {}
      try { Object.getPrototypeOf(_.map([1], (x) => x)).evil = 3; } catch (e) {}
      try { Object.getPrototypeOf(_.pick({}, [])).polluted = 4; } catch (e) {}
      try { _.map.constructor('Object.prototype.polluted = 5')(); } catch (e) {}
      try { _.templateSettings.interpolate = /{{([\\s\\S]+?)}}/g; } catch (e) {}
      return ({}).polluted;`;
    const probe = `return {
      polluted: 'polluted' in {}, evil: 'evil' in [], leak: typeof leak, declared: typeof declared,
      parse: JSON.parse('{"a":1}'), call: typeof Function.prototype.call,
      map: _.map([1, 2], (x) => x * 2), mixin: typeof _.evil,
      libraryArray: 'evil' in Object.getPrototypeOf(_.map([1], (x) => x)),
      libraryObject: 'polluted' in Object.getPrototypeOf(_.pick({}, [])),
      template: _.template('hi <%= name %>')({ name: 'bob' }),
      id: _.uniqueId(),
    };`;

    const attacked = await runOn(runtime, attack, 1000, 'endpoint-a');
    const probed = await runOn(runtime, probe, 1000, 'endpoint-b');

    expect(attacked).toMatchObject({ ok: true, value: 1 });
    expect(probed).toMatchObject({
      ok: true,
      value: {
        polluted: false,
        evil: false,
        leak: 'undefined',
        declared: 'undefined',
        parse: { a: 1 },
        call: 'function',
        map: [2, 4],
        mixin: 'undefined',
        libraryArray: false,
        libraryObject: false,
        template: 'hi bob',
        id: '1',
      },
    });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });
});

describe('concurrency', () => {
  const runtime = new TransformerRuntime({ host, poolSize: 2 });
  beforeAll(() => runtime.warmUp());
  afterAll(() => runtime.close());

  it('keeps serving on the other worker, and keeps the main thread free, while one run spins', async () => {
    let maxLag = 0;
    let last = performance.now();
    const ticker = setInterval(() => {
      const now = performance.now();
      maxLag = Math.max(maxLag, now - last);
      last = now;
    }, 10);
    const spinning = runOn(runtime, 'while (true) {}', 2000);
    await new Promise((resolve) => setTimeout(resolve, 100));

    const started = performance.now();
    const quick = await runOn(runtime, "return 'quick';");
    const quickMs = performance.now() - started;
    const spun = await spinning;
    clearInterval(ticker);

    expect(quick).toMatchObject({ ok: true, value: 'quick' });
    // The spin holds its worker for 2 s; an answer well before that came from the other worker.
    expect(quickMs).toBeLessThan(1000);
    expect(spun).toMatchObject({ ok: false, error: { kind: 'timeout' } });
    expect(maxLag).toBeLessThan(500);
  });

  it('queues more concurrent runs than workers and completes them all', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => runOn(runtime, `return ${i} * 2;`)));

    expect(results.map((result) => (result.ok ? result.value : result.error.message))).toEqual(
      Array.from({ length: 20 }, (_, i) => i * 2),
    );
  });
});
