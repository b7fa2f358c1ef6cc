import { describe, expect, it } from 'vitest';
import { appendAtPath, deleteAtPath, getAtPath, parseContextPath, setAtPath } from './context-path.js';

describe('context paths', () => {
  it('parses dot paths and refuses empty segments and prototype names', () => {
    expect(parseContextPath('order.items')).toEqual(['order', 'items']);
    expect(parseContextPath('name')).toEqual(['name']);
    for (const bad of ['', 'a..b', '.a', '__proto__', 'a.constructor.prototype', 'x.__proto__.polluted']) {
      expect(parseContextPath(bad)).toBeNull();
    }
  });

  it('sets nested values, creating or replacing intermediates, and removes with undefined', () => {
    const context: Record<string, unknown> = { a: 'scalar' };
    setAtPath(context, ['a', 'b'], 1);
    setAtPath(context, ['x', 'y', 'z'], true);
    expect(context).toEqual({ a: { b: 1 }, x: { y: { z: true } } });
    setAtPath(context, ['a', 'b'], undefined);
    expect(context).toEqual({ a: {}, x: { y: { z: true } } });
  });

  it('reads own properties only', () => {
    expect(getAtPath({ a: { b: 2 } }, ['a', 'b'])).toBe(2);
    expect(getAtPath({}, ['toString'])).toBeUndefined();
    expect(getAtPath({ a: 1 }, ['a', 'b'])).toBeUndefined();
  });

  it('deletes nested keys and ignores missing ones', () => {
    const context: Record<string, unknown> = { a: { b: 1, c: 2 } };
    deleteAtPath(context, ['a', 'b']);
    deleteAtPath(context, ['missing', 'x']);
    expect(context).toEqual({ a: { c: 2 } });
  });

  it('appends, starting an array or wrapping a single existing value', () => {
    const context: Record<string, unknown> = { one: 'first' };
    appendAtPath(context, ['list'], 1);
    appendAtPath(context, ['list'], 2);
    appendAtPath(context, ['one'], 'second');
    expect(context).toEqual({ list: [1, 2], one: ['first', 'second'] });
  });
});
