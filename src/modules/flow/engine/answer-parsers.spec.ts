import { describe, expect, it } from 'vitest';
import { parseAnswer } from './answer-parsers.js';

describe('parseAnswer', () => {
  it.each([
    ['yes', true],
    ['Yeah!', true],
    ['y', true],
    ['yes please', true],
    ['of course', true],
    ['TRUE', true],
    ['no', false],
    ['Nope.', false],
    ['n', false],
    ['no thanks', false],
    ['false', false],
    ['not really', false],
  ])('yesNo: %s → %s', (text, value) => {
    expect(parseAnswer('yesNo', text, null)).toEqual({ valid: true, value });
  });

  it.each(['maybe', 'dunno', 'not sure'])('yesNo: %s is invalid', (text) => {
    expect(parseAnswer('yesNo', text, null)).toEqual({ valid: false });
  });

  it.each([
    ['42', 42],
    ['I am 42 years old', 42],
    ['-3.5', -3.5],
    ['3,5', 3.5],
    ['1,000 euros', 1000],
    ['.5', 0.5],
  ])('number: %s → %s', (text, value) => {
    expect(parseAnswer('number', text, null)).toEqual({ valid: true, value });
  });

  it('number: text without digits is invalid', () => {
    expect(parseAnswer('number', 'forty two', null)).toEqual({ valid: false });
  });

  it('email: extracts the address from the text', () => {
    expect(parseAnswer('email', 'it is ada@example.com thanks', null)).toEqual({
      valid: true,
      value: 'ada@example.com',
    });
    expect(parseAnswer('email', 'ada at example dot com', null)).toEqual({ valid: false });
  });

  it('text: any non-blank answer, trimmed', () => {
    expect(parseAnswer('text', '  Ada  ', null)).toEqual({ valid: true, value: 'Ada' });
    expect(parseAnswer('text', '   ', null)).toEqual({ valid: false });
    expect(parseAnswer('text', null, null)).toEqual({ valid: false });
  });

  it('regex: the trimmed answer when the pattern matches', () => {
    const pattern = /^[A-Z]{2}\d{4}$/;
    expect(parseAnswer('regex', ' AB1234 ', pattern)).toEqual({ valid: true, value: 'AB1234' });
    expect(parseAnswer('regex', 'ab1234', pattern)).toEqual({ valid: false });
  });
});
