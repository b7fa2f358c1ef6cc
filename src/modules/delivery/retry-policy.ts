export const DEFAULT_RETRY_SCHEDULE_SECONDS: readonly number[] = [1, 5, 30, 120, 600, 3600, 21600, 86400];

/** A receiver's `Retry-After` is honoured up to this long, so it cannot park a session forever. */
export const MAX_RETRY_AFTER_MS = 24 * 60 * 60 * 1000;

export type RetryDecision = { kind: 'retry'; delayMs: number } | { kind: 'dead'; reason: string };

export interface FailedAttempt {
  /** Attempts made so far, including the one that just failed (the first attempt is 1). */
  attempt: number;
  /** Absent when no response arrived (timeout, refused connection). */
  statusCode?: number;
  retryAfterMs?: number;
}

/** 2xx only: a 3xx is a failure, since redirects are never followed. */
export function isSuccessStatus(code: number): boolean {
  return Number.isInteger(code) && code >= 200 && code < 300;
}

/**
 * Decides what follows a failed attempt. Attempt n is retried after schedule[n - 1] seconds,
 * so a schedule of k delays allows k + 1 attempts in all.
 */
export class RetryPolicy {
  private readonly scheduleMs: readonly number[];

  constructor(
    scheduleSeconds: readonly number[] = DEFAULT_RETRY_SCHEDULE_SECONDS,
    private readonly jitter = 0.2,
    private readonly random: () => number = Math.random,
  ) {
    if (scheduleSeconds.some((seconds) => !Number.isFinite(seconds) || seconds < 0)) {
      throw new RangeError('retry schedule entries must be finite, non-negative numbers of seconds');
    }
    if (!(jitter >= 0 && jitter < 1)) throw new RangeError('jitter must be in [0, 1)');
    this.scheduleMs = scheduleSeconds.map((seconds) => seconds * 1000);
  }

  decide({ attempt, statusCode, retryAfterMs }: FailedAttempt): RetryDecision {
    if (!Number.isInteger(attempt) || attempt < 1) throw new RangeError('attempt must be an integer >= 1');
    if (statusCode === 410) return { kind: 'dead', reason: 'receiver answered 410 Gone' };
    if (attempt > this.scheduleMs.length) {
      return { kind: 'dead', reason: `retries exhausted after ${attempt} attempts` };
    }
    // Spread retries over ±jitter so receivers recovering from an outage are not hit in lockstep.
    const base = this.scheduleMs[attempt - 1];
    const jittered = Math.round(base * (1 + this.jitter * (2 * this.random() - 1)));
    const requested = retryAfterMs === undefined ? 0 : Math.min(Math.max(0, retryAfterMs), MAX_RETRY_AFTER_MS);
    return { kind: 'retry', delayMs: Math.max(jittered, requested) };
  }
}
