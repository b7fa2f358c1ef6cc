import { describe, expect, it } from 'vitest';
import { TokenBucket } from './token-bucket.js';

describe('TokenBucket', () => {
  it('admits a burst, then one token per 1/perSecond seconds', () => {
    const bucket = new TokenBucket({ perSecond: 2, burst: 3 }, 0);
    expect([bucket.take(0), bucket.take(0), bucket.take(0)]).toEqual([0, 0, 0]);
    expect(bucket.take(0)).toBeCloseTo(0.5);
    expect(bucket.take(250)).toBeCloseTo(0.25);
    expect(bucket.take(500)).toBe(0);
    expect(bucket.take(500)).toBeCloseTo(0.5);
  });

  it('never holds more than the burst, and a refused request takes nothing', () => {
    const bucket = new TokenBucket({ perSecond: 10, burst: 2 }, 0);
    expect(bucket.take(60_000)).toBe(0);
    expect(bucket.take(60_000)).toBe(0);
    expect(bucket.take(60_000)).toBeGreaterThan(0);
    expect(bucket.take(60_000)).toBeGreaterThan(0);
    expect(bucket.take(60_100)).toBe(0);
  });

  it('ignores a clock stepping backwards', () => {
    const bucket = new TokenBucket({ perSecond: 1, burst: 1 }, 10_000);
    expect(bucket.take(10_000)).toBe(0);
    expect(bucket.take(5_000)).toBeCloseTo(1);
    expect(bucket.take(10_500)).toBeCloseTo(0.5);
    expect(bucket.isFull(11_000)).toBe(true);
  });
});
