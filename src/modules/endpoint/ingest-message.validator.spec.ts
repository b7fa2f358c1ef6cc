import { validateSync } from 'class-validator';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationFailedError } from '../../common/errors/common.errors.js';
import { IngestMessageDto } from './dto/ingest-message.dto.js';
import { mergeTransformed, plainlyValid, validateIngestMessage } from './ingest-message.validator.js';

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

describe('plainlyValid (the fast path)', () => {
  // Strings around every limit, in UTF-16 units and in characters (astral characters are two units, one character).
  const text = (max: number) =>
    fc.oneof(
      { arbitrary: fc.string({ maxLength: 12 }), weight: 6 },
      fc.string({ unit: 'grapheme', minLength: max - 3, maxLength: max + 3 }),
      // n UTF-16 units of which k astral characters: n - k characters.
      fc
        .tuple(fc.integer({ min: max - 3, max: max + 3 }), fc.integer({ min: 0, max: 3 }))
        .map(([units, astral]) => 'a'.repeat(units - 2 * astral) + '😀'.repeat(astral)),
    );
  const anything = fc.oneof(fc.constant(undefined), fc.constant(null), fc.integer(), fc.boolean(), fc.array(fc.nat()));
  const field = (valid: fc.Arbitrary<unknown>) => fc.oneof({ arbitrary: valid, weight: 5 }, anything);
  const message = fc.record(
    {
      userId: field(text(256)),
      sessionId: field(text(256)),
      text: field(text(10_000)),
      data: field(fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 3 })),
    },
    { requiredKeys: [] },
  );

  it('accepts only what IngestMessageDto accepts, and most of what it accepts', () => {
    let accepted = 0;
    fc.assert(
      fc.property(message, (value) => {
        const dto = Object.assign(new IngestMessageDto(), value);
        const dtoAccepts = validateSync(dto, { forbidUnknownValues: true }).length === 0;
        if (plainlyValid(dto)) {
          accepted += 1;
          expect(dtoAccepts).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
    expect(accepted).toBeGreaterThan(100);
  });
});
