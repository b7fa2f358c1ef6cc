import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, toStorableText, unstorableReason } from './storable-json.js';

describe('unstorableReason', () => {
  it('accepts ordinary JSON, astral characters and well-formed surrogate pairs', () => {
    expect(unstorableReason({ a: ['x', 1, null, { b: 'émoji 😀' }] })).toBeNull();
  });

  it.each([
    ['NUL in a string', { a: 'x\u0000y' }],
    ['NUL in a key', { ['k\u0000']: 1 }],
    ['a lone high surrogate', { a: 'x\uD800' }],
    ['a lone low surrogate', ['\uDC00y']],
  ])('refuses %s', (_name, value) => {
    expect(unstorableReason(value)).toMatch(/NUL|surrogate/);
  });

  it('refuses nesting past the limit without recursion, even very deep', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(unstorableReason(deep)).toBe(`is nested deeper than ${MAX_JSON_DEPTH} levels`);
    let ok: unknown = 'leaf';
    for (let i = 0; i < MAX_JSON_DEPTH; i++) ok = { n: ok };
    expect(unstorableReason(ok)).toBeNull();
  });
});

describe('toStorableText', () => {
  it('replaces NUL and unpaired surrogates, and keeps everything else', () => {
    expect(toStorableText('a\u0000b\uD800c 😀')).toBe('a\uFFFDb\uFFFDc 😀');
  });
});
