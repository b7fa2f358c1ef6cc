import { DEFAULT_RETRY_SCHEDULE_SECONDS } from '../delivery/retry-policy.js';
import { isJsonObject } from '../flow/json-merge-patch.util.js';

/** The settings groups of an endpoint, stored as jsonb columns and always read back with defaults filled in. */

export const AUTH_METHODS = ['none', 'apiKey'] as const;
export type AuthMethod = (typeof AUTH_METHODS)[number];

export const NLU_CONNECTORS = ['builtin', 'none'] as const;
export type NluConnector = (typeof NLU_CONNECTORS)[number];

export interface DataProtectionSettings {
  useAnalytics: boolean;
  useConversations: boolean;
  maskIPAddress: boolean;
  maskAnalytics: boolean;
  maskLogging: boolean;
  retentionDays: number;
}

export interface TransformerSettings {
  code: string;
  abortOnError: boolean;
  enableInput: boolean;
  enableOutput: boolean;
  enableExecutionFinished: boolean;
  enableInject: boolean;
  enableNotify: boolean;
  timeoutMs: number;
}

export interface DeliverySettings {
  timeoutMs: number;
  /** Seconds to wait before each retry; k entries allow k + 1 attempts. */
  retrySchedule: number[];
  /**
   * Deliveries in flight at once across the endpoint's sessions (a session never has more than one). Throughput
   * is at most this over the receiver's response time: the default of 64 is what a loopback receiver needed to keep
   * up with one instance in the bench (16 held delivery below what the pipeline produced), and lets a 100 ms
   * receiver take 640 outputs/s.
   */
  maxConcurrency: number;
}

export interface RateLimitSettings {
  /** Null: unlimited. */
  perSecond: number | null;
  /** Bucket size; null: ceil(perSecond). */
  burst: number | null;
}

export const DEFAULT_DATA_PROTECTION: Readonly<DataProtectionSettings> = Object.freeze({
  useAnalytics: true,
  useConversations: true,
  maskIPAddress: false,
  maskAnalytics: false,
  maskLogging: false,
  retentionDays: 30,
});

export const DEFAULT_TRANSFORMER: Readonly<TransformerSettings> = Object.freeze({
  code: '',
  abortOnError: false,
  enableInput: false,
  enableOutput: false,
  enableExecutionFinished: false,
  enableInject: false,
  enableNotify: false,
  timeoutMs: 5000,
});

export const DEFAULT_DELIVERY: Readonly<DeliverySettings> = Object.freeze({
  timeoutMs: 10_000,
  retrySchedule: [...DEFAULT_RETRY_SCHEDULE_SECONDS],
  maxConcurrency: 64,
});

export const DEFAULT_RATE_LIMIT: Readonly<RateLimitSettings> = Object.freeze({ perSecond: null, burst: null });

export const TRANSFORMER_CODE_MAX_LENGTH = 200 * 1024;

/**
 * Takes the known keys from a stored (or merged) object and fills what is missing or null with the default, so
 * settings added in a later release read as their default on older rows, and a merge patch's `null` resets a key.
 */
export function withDefaults<T extends object>(defaults: Readonly<T>, value: unknown): T {
  const source = isJsonObject(value) ? value : {};
  const result = {} as Record<string, unknown>;
  for (const [key, fallback] of Object.entries(defaults)) {
    const own = source[key];
    result[key] = own === undefined || own === null ? structuredClone(fallback) : own;
  }
  return result as T;
}

/** The effective limit the ingestion path enforces: null means unlimited. */
export function effectiveRateLimit(settings: RateLimitSettings): { perSecond: number; burst: number } | null {
  if (settings.perSecond === null) return null;
  return { perSecond: settings.perSecond, burst: settings.burst ?? Math.max(1, Math.ceil(settings.perSecond)) };
}
