import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TransformerRuntime } from './transformer-runtime.js';
import type { CodeNodeRunRequest } from './transformer.types.js';

const runtime = new TransformerRuntime({
  host: {
    httpRequest: () => Promise.reject(new Error('not for code nodes')),
    loadSessionStorage: () => Promise.reject(new Error('not for code nodes')),
  },
  poolSize: 1,
});
beforeAll(() => runtime.warmUp());
afterAll(() => runtime.close());

function run(code: string, overrides: Partial<CodeNodeRunRequest> = {}) {
  return runtime.runCodeNode({
    code,
    input: { text: 'hello', data: { n: 2 } },
    context: { count: 1 },
    profile: { name: 'Ada' },
    ...overrides,
  });
}

describe('code nodes', () => {
  it('records api calls as actions, in order', async () => {
    const result = await run(`
      api.say('Hi ' + profile.name + ', you said ' + input.text, { n: input.data.n });
      api.output('second');
      api.addToContext('order.items', ['a'], 'simple');
      api.addToContext('seen', input.text, 'array');
      api.removeFromContext('count');
      api.log('info', 'done');
    `);

    expect(result.error).toBeUndefined();
    expect(result.actions).toEqual([
      { type: 'say', text: 'Hi Ada, you said hello', data: { n: 2 } },
      { type: 'say', text: 'second' },
      { type: 'addToContext', key: 'order.items', value: ['a'], mode: 'simple' },
      { type: 'addToContext', key: 'seen', value: 'hello', mode: 'array' },
      { type: 'removeFromContext', key: 'count' },
      { type: 'log', level: 'info', message: 'done' },
    ]);
    expect(result.context).toEqual({ order: { items: ['a'] }, seen: ['hello'] });
  });

  it('lets getContext see earlier api calls and offers the ci/cc/cp aliases', async () => {
    const result = await run(`
      api.addToContext('list', 1, 'array');
      api.addToContext('list', 2, 'array');
      return { list: api.getContext('list'), same: cc === context && ci === input && cp === profile, missing: api.getContext('a.b') };
    `);

    expect(result.returnValue).toEqual({ list: [1, 2], same: true });
    expect(result.actions).toHaveLength(2);
  });

  it('snapshots action values when the call is made', async () => {
    const result = await run("const data = { v: 1 }; api.say('x', data); data.v = 2;");

    expect(result.actions).toEqual([{ type: 'say', text: 'x', data: { v: 1 } }]);
  });

  it('supports await, TypeScript and console output', async () => {
    const result = await run(`
      const wait = async (value: number): Promise<number> => value * 10;
      const total: number = await wait(input.data.n);
      console.log('total', total);
      api.say(String(total));
    `);

    expect(result.actions).toEqual([{ type: 'say', text: '20' }]);
    expect(result.logs).toEqual([{ level: 'log', message: 'total 20' }]);
  });

  it('reports an error with its line and keeps the actions out', async () => {
    const result = await run("api.say('before');\nconst x: any = null;\nx.boom();");

    expect(result.actions).toEqual([]);
    expect(result.error).toBe("TypeError: cannot read property 'boom' of null");
    expect(result.errorLocation).toEqual({ line: 3, column: 2 });
  });

  it('reports a syntax error without running anything', async () => {
    const result = await run("api.say('x');\nconst = 1;");

    expect(result.actions).toEqual([]);
    expect(result.error).toMatch(/^SyntaxError/);
    expect(result.errorLocation?.line).toBe(2);
  });

  it('refuses context keys that would reach a prototype', async () => {
    const result = await run("api.addToContext('__proto__.polluted', 1);");

    expect(result.error).toBe('TypeError: Invalid context key: __proto__.polluted');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('stops at the default one second limit', async () => {
    const result = await run('while (true) {}');

    expect(result.error).toBe('Execution timed out after 1000 ms.');
    expect(result.errorKind).toBe('timeout');
    expect(result.durationMs).toBeGreaterThanOrEqual(990);
    expect(result.durationMs).toBeLessThan(2500);
  });

  it('does not offer host access', async () => {
    const result = await run('return [typeof httpRequest, typeof getSessionStorage, typeof require, typeof _.get];');

    expect(result.returnValue).toEqual(['undefined', 'undefined', 'undefined', 'function']);
  });
});
