import { DomainError } from '../errors/domain-error.js';

export enum RateLimitErrorCode {
  RateLimited = 'rate-limited',
}

/** 429 with `Retry-After` (whole seconds, at least 1) through the problem filter. */
export class RateLimitedError extends DomainError {
  constructor(retryAfterSeconds: number) {
    super(
      'rate_limited',
      RateLimitErrorCode.RateLimited,
      'Too many requests for this endpoint; retry after the time in the Retry-After header.',
      undefined,
      Math.max(1, Math.ceil(retryAfterSeconds)),
    );
  }
}
