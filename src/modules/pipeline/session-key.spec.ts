import { describe, expect, it } from 'vitest';
import { rowKey, sessionKeyString, uniqueSorted } from './session-key.js';

const endpointId = '0190c5a4-0000-7000-8000-000000000001';

describe('session keys', () => {
  it('tells apart ids that only differ in where one ends and the next begins', () => {
    const keys = [
      { endpointId, userId: 'a', sessionId: 'b:c' },
      { endpointId, userId: 'a:b', sessionId: 'c' },
      { endpointId, userId: 'a b', sessionId: 'c' },
      { endpointId, userId: 'a', sessionId: 'b c' },
      { endpointId, userId: '', sessionId: 'ab c' },
      { endpointId, userId: '["a"', sessionId: '"b"]' },
    ];
    expect(new Set(keys.map(sessionKeyString)).size).toBe(keys.length);
  });

  it('gives a statement row the same key as the session it belongs to', () => {
    const key = { endpointId, userId: 'ü', sessionId: 's 1' };
    expect(rowKey({ endpoint_id: endpointId, user_id: 'ü', session_id: 's 1' })).toBe(sessionKeyString(key));
  });

  it('keeps one entry per session, ordered by endpoint, then user, then session', () => {
    const keys = [
      { endpointId, userId: 'b', sessionId: '1' },
      { endpointId, userId: 'a', sessionId: '2' },
      { endpointId, userId: 'a', sessionId: '1' },
      { endpointId, userId: 'b', sessionId: '1' },
    ];
    expect(uniqueSorted(keys).map((key) => `${key.userId}/${key.sessionId}`)).toEqual(['a/1', 'a/2', 'b/1']);
  });
});
