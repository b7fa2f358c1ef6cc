import { Injectable } from '@nestjs/common';
import { RateLimitedError } from './rate-limit.errors.js';
import { TokenBucket, type TokenBucketLimit } from './token-bucket.js';

/** Above this many buckets, full (idle) ones are forgotten before a new one is added. */
const MAX_IDLE_BUCKETS = 10_000;

/**
 * Per-key token buckets (the key is an endpoint id), in this process's memory. The effective limit is therefore
 * per instance: N instances behind a load balancer admit up to N times the configured rate in total.
 */
@Injectable()
export class RateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Takes one token for `key`, or throws RateLimitedError (429 + Retry-After). A null limit means unlimited. */
  consume(key: string, limit: Readonly<TokenBucketLimit> | null): void {
    if (limit === null) {
      this.buckets.delete(key);
      return;
    }
    const nowMs = this.now();
    const bucket = this.bucketFor(key, limit, nowMs);
    const waitSeconds = bucket.take(nowMs);
    if (waitSeconds > 0) throw new RateLimitedError(waitSeconds);
  }

  private bucketFor(key: string, limit: Readonly<TokenBucketLimit>, nowMs: number): TokenBucket {
    const existing = this.buckets.get(key);
    // A changed limit starts a fresh (full) bucket: simpler than rescaling, and a change is an operator action.
    if (existing && existing.limit.perSecond === limit.perSecond && existing.limit.burst === limit.burst) {
      return existing;
    }
    if (!existing && this.buckets.size >= MAX_IDLE_BUCKETS) this.forgetFull(nowMs);
    const bucket = new TokenBucket({ perSecond: limit.perSecond, burst: limit.burst }, nowMs);
    this.buckets.set(key, bucket);
    return bucket;
  }

  private forgetFull(nowMs: number): void {
    for (const [key, bucket] of this.buckets) if (bucket.isFull(nowMs)) this.buckets.delete(key);
  }
}
