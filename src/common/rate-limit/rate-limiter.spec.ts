import { describe, expect, it } from 'vitest';
import { RateLimitedError } from './rate-limit.errors.js';
import { RateLimiter } from './rate-limiter.js';

function limiterAt(start: number): { limiter: RateLimiter; clock: { now: number } } {
  const clock = { now: start };
  return { limiter: new RateLimiter(() => clock.now), clock };
}

function refusal(run: () => void): RateLimitedError | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    if (error instanceof RateLimitedError) return error;
    throw error;
  }
}

describe('RateLimiter', () => {
  it('throws a rate_limited error with a whole-second Retry-After once the burst is spent', () => {
    const { limiter, clock } = limiterAt(1_000);
    const limit = { perSecond: 0.5, burst: 2 };
    limiter.consume('e1', limit);
    limiter.consume('e1', limit);
    const error = refusal(() => limiter.consume('e1', limit));
    expect(error?.kind).toBe('rate_limited');
    expect(error?.retryAfterSeconds).toBe(2);
    clock.now += 2_000;
    expect(refusal(() => limiter.consume('e1', limit))).toBeUndefined();
  });

  it('rounds a sub-second wait up to Retry-After: 1', () => {
    const { limiter } = limiterAt(0);
    limiter.consume('e1', { perSecond: 100, burst: 1 });
    expect(refusal(() => limiter.consume('e1', { perSecond: 100, burst: 1 }))?.retryAfterSeconds).toBe(1);
  });

  it('keeps endpoints apart, treats null as unlimited, and restarts the bucket when the limit changes', () => {
    const { limiter } = limiterAt(0);
    limiter.consume('e1', { perSecond: 1, burst: 1 });
    expect(refusal(() => limiter.consume('e1', { perSecond: 1, burst: 1 }))).toBeInstanceOf(RateLimitedError);
    expect(refusal(() => limiter.consume('e2', { perSecond: 1, burst: 1 }))).toBeUndefined();
    for (let i = 0; i < 100; i++) limiter.consume('e3', null);
    expect(refusal(() => limiter.consume('e1', { perSecond: 5, burst: 5 }))).toBeUndefined();
  });
});
