export interface TokenBucketLimit {
  /** Tokens added per second. */
  perSecond: number;
  /** Bucket size: how many requests may arrive at once after a quiet period. */
  burst: number;
}

/**
 * A classic token bucket: `burst` tokens at most, refilled continuously at `perSecond`. Time is passed in
 * (milliseconds) so the arithmetic is testable without a clock.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAtMs: number;

  constructor(
    readonly limit: Readonly<TokenBucketLimit>,
    nowMs: number,
  ) {
    this.tokens = limit.burst;
    this.updatedAtMs = nowMs;
  }

  /** Takes one token. Returns 0 when taken, else the seconds until one will be available (nothing is taken). */
  take(nowMs: number): number {
    this.refill(nowMs);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return (1 - this.tokens) / this.limit.perSecond;
  }

  /** True when the bucket is full again, i.e. forgetting it changes nothing. */
  isFull(nowMs: number): boolean {
    this.refill(nowMs);
    return this.tokens >= this.limit.burst;
  }

  private refill(nowMs: number): void {
    // A clock step backwards must not mint tokens or push the bucket into debt.
    const elapsedMs = Math.max(0, nowMs - this.updatedAtMs);
    this.tokens = Math.min(this.limit.burst, this.tokens + (elapsedMs / 1000) * this.limit.perSecond);
    this.updatedAtMs = Math.max(this.updatedAtMs, nowMs);
  }
}
