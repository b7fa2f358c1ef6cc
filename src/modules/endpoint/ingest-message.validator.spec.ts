import { describe, expect, it } from 'vitest';
import { ValidationFailedError } from '../../common/errors/common.errors.js';
import { mergeTransformed, validateIngestMessage } from './ingest-message.validator.js';

function fieldsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationFailedError) return [...new Set(error.fieldErrors?.map((e) => e.field))];
    throw error;
  }
  throw new Error('expected a validation failure');
}

describe('validateIngestMessage', () => {
  it('returns the message with data defaulting to null', () => {
    expect(validateIngestMessage({ userId: 'u', sessionId: 's', text: 'hi' })).toEqual({
      userId: 'u',
      sessionId: 's',
      text: 'hi',
      data: null,
    });
  });

  it.each([
    ['an array', [1], ['body']],
    ['a string', 'text', ['body']],
    ['null', null, ['body']],
    ['an unknown field', { userId: 'u', sessionId: 's', text: 'x', extra: 1 }, ['extra']],
    ['a numeric text', { userId: 'u', sessionId: 's', text: 42 }, ['text']],
    ['neither text nor data', { userId: 'u', sessionId: 's' }, ['text']],
    ['a long userId and an array as data', { userId: 'u'.repeat(257), sessionId: 's', data: [] }, ['userId', 'data']],
  ])('names the fields of %s', (_name, value, fields) => {
    expect(fieldsOf(() => validateIngestMessage(value))).toEqual(fields);
  });

  it('reports a __proto__ key as an unknown field instead of assigning it', () => {
    const value = JSON.parse('{"userId":"u","sessionId":"s","text":"x","__proto__":{"polluted":true}}') as unknown;

    expect(fieldsOf(() => validateIngestMessage(value))).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('mergeTransformed', () => {
  it('keeps the request’s message fields unless the transformer sets them', () => {
    const merged = mergeTransformed({ userId: 'u', sessionId: 's', text: 'a', other: 1 }, { text: 'b' });

    expect({ ...merged }).toEqual({ userId: 'u', sessionId: 's', text: 'b' });
  });

  it('ignores a request body that is not an object, and keeps a returned __proto__ key as an own field', () => {
    const returned = JSON.parse('{"userId":"u","sessionId":"s","text":"x","__proto__":{"a":1}}') as Record<
      string,
      unknown
    >;
    const merged = mergeTransformed('raw text', returned);

    expect(Object.keys(merged)).toEqual(['userId', 'sessionId', 'text', '__proto__']);
    expect(fieldsOf(() => validateIngestMessage(merged))).toEqual(['__proto__']);
  });
});
