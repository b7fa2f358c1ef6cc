import { describe, expect, it } from 'vitest';
import { findUnstorable, MAX_JSON_DEPTH, toStorableText, unstorableReason } from './storable-json.js';

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

describe('findUnstorable', () => {
  it('names the field that cannot be stored, below the prefix', () => {
    const body = { userId: 'u', data: { items: ['ok', { deep: ['x', 'y\u0000'] }] } };
    expect(findUnstorable(body)).toEqual({
      field: 'data.items[1].deep[1]',
      message: 'contains a NUL character or an unpaired surrogate',
    });
    expect(findUnstorable({ a: { ['k\u0000']: 1 } }, 'data')?.field).toBe('data.a');
    expect(findUnstorable('\uD800')?.field).toBe('body');
    expect(findUnstorable([[1, '\uDC00']], 'list')?.field).toBe('list[0][1]');
    expect(findUnstorable({ userId: 'u', data: { items: ['ok', { deep: ['x'] }] } })).toBeNull();
  });

  it('names where the nesting limit was reached', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < MAX_JSON_DEPTH + 1; i++) deep = { n: deep };
    expect(findUnstorable(deep)?.field).toBe(Array(MAX_JSON_DEPTH).fill('n').join('.'));
  });
});

describe('toStorableText', () => {
  it('replaces NUL and unpaired surrogates, and keeps everything else', () => {
    expect(toStorableText('a\u0000b\uD800c 😀')).toBe('a\uFFFDb\uFFFDc 😀');
  });
});
