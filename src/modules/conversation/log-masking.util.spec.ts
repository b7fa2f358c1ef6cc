import { describe, expect, it } from 'vitest';
import { loggable, maskLine, maskSensitive, MASK, redactValues, sensitiveValues } from './log-masking.util.js';

describe('log masking', () => {
  it('masks userId, text and data at any depth and leaves the rest', () => {
    const payload = {
      userId: 'alice@example.com',
      sessionId: 's1',
      AIOutput: { text: 'Your PIN is 1234', data: { pin: '1234' }, traceId: 't1' },
      items: [{ text: 'x' }],
      nothing: { text: null },
    };
    expect(maskSensitive(payload)).toEqual({
      userId: MASK,
      sessionId: 's1',
      AIOutput: { text: MASK, data: MASK, traceId: 't1' },
      items: [{ text: MASK }],
      nothing: { text: null },
    });
    expect(payload.userId).toBe('alice@example.com');
  });

  it('serialises for a log line, masked only when asked', () => {
    expect(loggable({ userId: 'u1', text: 'hi' }, false)).toBe('{"userId":"u1","text":"hi"}');
    expect(loggable({ userId: 'u1', text: 'hi' }, true)).toBe(`{"userId":"${MASK}","text":"${MASK}"}`);
  });

  it('redacts quoted user data in free text, longest value first', () => {
    const values = sensitiveValues({ userId: 'alice', text: 'my card 4111', data: { card: '4111', n: 42 } });
    expect(values).toEqual(['alice', 'my card 4111', '4111', '42']);
    expect(redactValues('code node failed on "my card 4111" for alice (42)', values)).toBe(
      `code node failed on "${MASK}" for ${MASK} (${MASK})`,
    );
    expect(redactValues('a b c', ['a'])).toBe('a b c');
    expect(maskLine('alice said hi', false, { userId: 'alice' })).toBe('alice said hi');
    expect(maskLine('alice said hi', true, { userId: 'alice' })).toBe(`${MASK} said hi`);
  });
});
