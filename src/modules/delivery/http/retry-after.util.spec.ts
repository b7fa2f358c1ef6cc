import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from './retry-after.util.js';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);

describe('parseRetryAfter', () => {
  it.each([
    ['120', 120_000],
    [' 0 ', 0],
    ['Thu, 01 Jan 2026 12:01:30 GMT', 90_000],
    ['Thursday, 01-Jan-26 12:00:10 GMT', 10_000],
    ['Thu Jan  1 12:00:05 2026', 5_000],
    ['Wed, 31 Dec 2025 12:00:00 GMT', 0],
  ])('parses %j as %i ms', (value, expected) => {
    expect(parseRetryAfter(value, NOW)).toBe(expected);
  });

  it.each([undefined, '', '  ', '-5', '1.5', 'soon', '12abc'])('ignores %j', (value) => {
    expect(parseRetryAfter(value, NOW)).toBeUndefined();
  });
});
