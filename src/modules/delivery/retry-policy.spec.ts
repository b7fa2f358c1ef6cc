import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isSuccessStatus, MAX_RETRY_AFTER_MS, RetryPolicy } from './retry-policy.js';

const SCHEDULE_MS = [1, 5, 30, 120, 600, 3600, 21600, 86400].map((seconds) => seconds * 1000);

describe('RetryPolicy', () => {
  it('follows the default schedule when the jitter draw is neutral', () => {
    const policy = new RetryPolicy(undefined, 0.2, () => 0.5);
    const delays = SCHEDULE_MS.map((_, i) => policy.decide({ attempt: i + 1, statusCode: 500 }));
    expect(delays).toEqual(SCHEDULE_MS.map((delayMs) => ({ kind: 'retry', delayMs })));
  });

  it('keeps every delay within ±20 % of the schedule', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, draw) => {
          const decision = new RetryPolicy(undefined, 0.2, () => draw).decide({ attempt });
          const base = SCHEDULE_MS[attempt - 1];
          expect(decision.kind).toBe('retry');
          const { delayMs } = decision as { delayMs: number };
          expect(delayMs).toBeGreaterThanOrEqual(Math.floor(base * 0.8));
          expect(delayMs).toBeLessThanOrEqual(Math.ceil(base * 1.2));
        },
      ),
    );
  });

  it('reaches both ends of the jitter range', () => {
    expect(new RetryPolicy(undefined, 0.2, () => 0).decide({ attempt: 3 })).toEqual({ kind: 'retry', delayMs: 24_000 });
    expect(new RetryPolicy(undefined, 0.2, () => 0.999999).decide({ attempt: 3 }).kind).toBe('retry');
    expect(new RetryPolicy(undefined, 0.2, () => 0.999999).decide({ attempt: 3 })).toMatchObject({
      delayMs: expect.closeTo(36_000, -1) as number,
    });
  });

  it('dead-letters on 410 Gone, even on the first attempt', () => {
    expect(new RetryPolicy().decide({ attempt: 1, statusCode: 410 })).toEqual({
      kind: 'dead',
      reason: 'receiver answered 410 Gone',
    });
  });

  it('dead-letters once the schedule is exhausted', () => {
    const policy = new RetryPolicy();
    expect(policy.decide({ attempt: 8 }).kind).toBe('retry');
    const decision = policy.decide({ attempt: 9, statusCode: 503 });
    expect(decision.kind).toBe('dead');
    expect((decision as { reason: string }).reason).toContain('retries exhausted');
  });

  it('applies a custom schedule', () => {
    const policy = new RetryPolicy([10], 0, () => 0.9);
    expect(policy.decide({ attempt: 1 })).toEqual({ kind: 'retry', delayMs: 10_000 });
    expect(policy.decide({ attempt: 2 }).kind).toBe('dead');
    expect(new RetryPolicy([]).decide({ attempt: 1 }).kind).toBe('dead');
  });

  it('honours Retry-After when it asks for longer than the schedule, capped at 24 h', () => {
    const policy = new RetryPolicy(undefined, 0.2, () => 0.5);
    expect(policy.decide({ attempt: 1, statusCode: 429, retryAfterMs: 90_000 })).toEqual({
      kind: 'retry',
      delayMs: 90_000,
    });
    expect(policy.decide({ attempt: 2, statusCode: 503, retryAfterMs: 1_000 })).toEqual({
      kind: 'retry',
      delayMs: 5_000,
    });
    expect(policy.decide({ attempt: 1, statusCode: 503, retryAfterMs: 30 * 86_400_000 })).toEqual({
      kind: 'retry',
      delayMs: MAX_RETRY_AFTER_MS,
    });
    expect(policy.decide({ attempt: 1, retryAfterMs: -5 })).toEqual({ kind: 'retry', delayMs: 1_000 });
  });

  it('rejects invalid configuration and attempts', () => {
    expect(() => new RetryPolicy([1, -1])).toThrow(RangeError);
    expect(() => new RetryPolicy([Number.NaN])).toThrow(RangeError);
    expect(() => new RetryPolicy(undefined, 1)).toThrow(RangeError);
    expect(() => new RetryPolicy(undefined, -0.1)).toThrow(RangeError);
    expect(() => new RetryPolicy().decide({ attempt: 0 })).toThrow(RangeError);
    expect(() => new RetryPolicy().decide({ attempt: 1.5 })).toThrow(RangeError);
  });
});

describe('isSuccessStatus', () => {
  it.each([200, 201, 202, 204, 299])('%i is success', (code) => {
    expect(isSuccessStatus(code)).toBe(true);
  });

  it.each([100, 199, 300, 301, 302, 304, 307, 400, 404, 410, 429, 500, 503, 200.5])('%d is failure', (code) => {
    expect(isSuccessStatus(code)).toBe(false);
  });
});
