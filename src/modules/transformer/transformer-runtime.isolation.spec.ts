import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { compileTransformer } from './transformer-compiler.js';
import { TransformerRuntime } from './transformer-runtime.js';
import type { HookRunResult, SandboxHost } from './transformer.types.js';

/**
 * Warm hook contexts (sandbox/hook-context-cache.ts): reused for the next call of the same endpoint and code,
 * never shared across endpoints, and dropped whenever a call may have left something behind.
 */
const host: SandboxHost = {
  httpRequest: () => Promise.reject(new Error('no network in this test')),
  loadSessionStorage: () => Promise.resolve({}),
};

function compile(source: string): string {
  const result = compileTransformer(source);
  if (!result.ok) throw new Error(result.message);
  return result.js;
}

/** Defines a non-enumerable global, which the kit's cheap check does not see: it shows whether a context was kept. */
const STASH = `createWebhookTransformer({
  handleOutput: ({ stash, fail }) => {
    const seen = typeof globalThis.stash === 'undefined' ? null : globalThis.stash;
    if (stash !== undefined) {
      Object.defineProperty(globalThis, 'stash', { value: stash, writable: true, enumerable: false, configurable: true });
    }
    if (fail) throw new Error('failed on purpose');
    return seen;
  },
});`;

describe('warm hook contexts', () => {
  // One worker, so consecutive calls certainly meet the same warm contexts.
  let runtime = new TransformerRuntime({ host, poolSize: 1 });
  afterAll(() => runtime.close());
  const call = (endpointId: string, source: string, args: Record<string, unknown> = {}, timeoutMs?: number) =>
    runtime.runHook({ endpointId, compiledJs: compile(source), hook: 'handleOutput', args, timeoutMs });
  const value = (result: HookRunResult) => (result.ok ? result.value : `failed: ${result.error.message}`);

  it('runs the module afresh on every call, so module-level state starts over', async () => {
    const source = `let calls = 0; const seen: string[] = [];
      createWebhookTransformer({ handleOutput: ({ sessionId }) => ({ calls: ++calls, seen: seen.concat(sessionId) }) });`;

    const first = await call('counter', source, { sessionId: 's1' });
    const second = await call('counter', source, { sessionId: 's2' });

    expect(value(first)).toEqual({ calls: 1, seen: ['s1'] });
    expect(value(second)).toEqual({ calls: 1, seen: ['s2'] });
  });

  it('keeps a context per endpoint and code version, never across endpoints', async () => {
    await call('ep-a', STASH, { stash: 'a-secret' });

    const sameEndpoint = await call('ep-a', STASH);
    const otherEndpoint = await call('ep-b', STASH);
    const newCode = await call('ep-a', `${STASH}\n// version 2`);

    expect(value(sameEndpoint)).toBe('a-secret');
    expect(value(otherEndpoint)).toBeNull();
    expect(value(newCode)).toBeNull();
  });

  it('drops the context after a call that failed', async () => {
    await call('ep-fail', STASH, { stash: 'kept?', fail: true });

    expect(value(await call('ep-fail', STASH))).toBeNull();
  });

  it.each([
    ['a global created by assignment', 'globalThis.leak = sessionId; return typeof leak;'],
    ['an implicit global', '(function () { leak2 = sessionId; })(); return typeof leak2;'],
    ['prototype pollution through user data', 'merge({}, JSON.parse(body)); return typeof ({} as any).isAdmin;'],
    ['pollution of Array.prototype', '(Array.prototype as any).evil = sessionId; return typeof ([] as any).evil;'],
    [
      'a job that runs after the result was taken',
      "return { toJSON: () => { Promise.resolve().then(() => { (globalThis as any).leak = 'late'; }); return 'v'; } };",
    ],
    [
      'a swapped prototype',
      'Object.setPrototypeOf(globalThis, { isAdmin: true }); return typeof (globalThis as any).isAdmin;',
    ],
  ])('drops the context after %s, so the next session does not see it', async (name, attack) => {
    const source = `function merge(target: any, source: any) {
        for (const key in source) {
          if (source[key] !== null && typeof source[key] === 'object') merge((target[key] ??= {}), source[key]);
          else target[key] = source[key];
        }
        return target;
      }
      createWebhookTransformer({ handleOutput: ({ sessionId, body }) => {
        if (sessionId === 'attacker') { ${attack} }
        return [typeof (globalThis as any).leak, typeof (globalThis as any).leak2, typeof ({} as any).isAdmin,
          typeof ([] as any).evil, typeof (globalThis as any).isAdmin];
      } });`;
    const endpointId = `ep-${name}`;
    // JSON.parse makes "__proto__" an own key, as it does for any request body.
    const body = '{"__proto__": {"isAdmin": true}}';

    const attacked = await call(endpointId, source, { sessionId: 'attacker', body });
    const next = await call(endpointId, source, { sessionId: 'victim' });

    expect(attacked).toMatchObject({ ok: true });
    expect(value(attacked)).not.toBe('undefined');
    expect(value(next)).toEqual(['undefined', 'undefined', 'undefined', 'undefined', 'undefined']);
  });

  it('applies the time limit in a warm context and drops the context that hit it', async () => {
    const source = `createWebhookTransformer({ handleOutput: ({ spin, stash }) => {
      if (stash) Object.defineProperty(globalThis, 'stash', { value: stash, configurable: true });
      while (spin) {}
      return typeof (globalThis as any).stash;
    } });`;
    await call('ep-spin', source, { stash: 'before the spin' });

    const spun = await call('ep-spin', source, { spin: true }, 200);
    const after = await call('ep-spin', source);

    expect(spun).toMatchObject({ ok: false, error: { kind: 'timeout' } });
    expect(value(after)).toBe('undefined');
  });

  it('applies the memory limit in a warm context', async () => {
    const source = `createWebhookTransformer({ handleOutput: ({ bomb }) => {
      const hoard: string[] = [];
      while (bomb) hoard.push('x'.repeat(1 << 20) + hoard.length);
      return 'fine';
    } });`;
    await call('ep-bomb', source);

    const bombed = await call('ep-bomb', source, { bomb: true }, 3000);
    const after = await call('ep-bomb', source);

    expect(bombed.ok).toBe(false);
    expect(bombed.ok ? '' : bombed.error.kind).toMatch(/memory|timeout/);
    expect(value(after)).toBe('fine');
  });

  describe('memory budget', () => {
    afterEach(async () => {
      await runtime.close();
      runtime = new TransformerRuntime({ host, poolSize: 1 });
    });

    it('drops a context that keeps more than the budget in its realm', async () => {
      await runtime.close();
      // 16 MiB per run: the warm contexts may keep 2 MiB between calls.
      runtime = new TransformerRuntime({ host, poolSize: 1, memoryLimitBytes: 16 * 1024 * 1024 });
      const source = `createWebhookTransformer({ handleOutput: ({ size }) => {
        const had = typeof (globalThis as any).hoard;
        if (size) {
          const hoard = Array.from({ length: size }, (_, i) => ({ i, text: 'item ' + i }));
          Object.defineProperty(globalThis, 'hoard', { value: hoard, configurable: true });
        }
        return had;
      } });`;
      await call('ep-small', source, { size: 10 });
      expect(value(await call('ep-small', source))).toBe('object');

      await call('ep-hoard', source, { size: 100_000 });

      expect(value(await call('ep-hoard', source))).toBe('undefined');
    });
  });
});
