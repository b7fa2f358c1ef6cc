import { describe, expect, it } from 'vitest';
import { jsonRows } from './json-rows.js';

describe('jsonRows', () => {
  it('is the JSON of the rows, nested values and dates included', () => {
    const rows = [
      { id: 'a', body: '{"k":"\\"q\\" é 😀 \u2028"}', data: { nested: [1, 'x'] }, at: new Date(0), none: null },
      { id: 'b', data: null, skipped: undefined },
    ];
    expect(jsonRows(rows)).toBe(JSON.stringify(rows));
  });

  it('makes unpaired surrogates in row fields U+FFFD, as UTF-8 would, and keeps pairs', () => {
    const parsed = JSON.parse(jsonRows([{ text: 'a\uD800b 😀 \uDC00', error: 'cut\uD83D', n: 1 }])) as unknown;
    expect(parsed).toEqual([{ text: 'a\uFFFDb 😀 \uFFFD', error: 'cut\uFFFD', n: 1 }]);
  });

  it('leaves nested values and a literal backslash-u text as they are', () => {
    const rows = [{ text: 'see \\ud800', data: { k: '\uD800' } }];
    expect(JSON.parse(jsonRows(rows))).toEqual(rows);
  });
});
