/**
 * Log masking for endpoints with `dataProtection.maskLogging`: user ids, message text and data never reach a
 * log line. Log structured facts through `maskSensitive`/`loggable`, and free text that may quote user input
 * (error messages) through `redactValues`.
 */

export const MASK = '*****';

/** Keys whose values are user data, at any depth (`AIOutput.text` included). */
const SENSITIVE_KEYS: ReadonlySet<string> = new Set(['userId', 'text', 'data']);

/** A copy of `value` with the value of every `userId`, `text` and `data` key, at any depth, replaced by `*****`. */
export function maskSensitive<T>(value: T): T {
  return maskDeep(value, 0) as T;
}

function maskDeep(value: unknown, depth: number): unknown {
  if (depth > 32 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => maskDeep(item, depth + 1));
  const result: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    result[key] = SENSITIVE_KEYS.has(key) && item !== null && item !== undefined ? MASK : maskDeep(item, depth + 1);
  }
  return result;
}

/** `value` as JSON for a log line, masked when the endpoint asks for it. */
export function loggable(value: unknown, maskLogging: boolean): string {
  return JSON.stringify(maskLogging ? maskSensitive(value) : value) ?? String(value);
}

/** The user data of a message (userId, text, every string and number inside data) for `redactValues`. */
export function sensitiveValues(message: { userId?: string | null; text?: string | null; data?: unknown }): string[] {
  const values: string[] = [];
  if (message.userId) values.push(message.userId);
  if (message.text) values.push(message.text);
  collectLeaves(message.data, values, 0);
  return values;
}

function collectLeaves(value: unknown, into: string[], depth: number): void {
  if (depth > 32 || value === null || value === undefined) return;
  if (typeof value === 'string' || typeof value === 'number') into.push(String(value));
  else if (typeof value === 'object') for (const item of Object.values(value)) collectLeaves(item, into, depth + 1);
}

/**
 * Replaces every occurrence of the given values in free text (an error message that may quote the input)
 * with `*****`. Values shorter than 2 characters are left alone: masking every "a" would destroy the line and
 * hide nothing.
 */
export function redactValues(line: string, values: readonly string[]): string {
  const needles = [...new Set(values.filter((value) => value.length >= 2))].sort((a, b) => b.length - a.length);
  let result = line;
  for (const needle of needles) result = result.split(needle).join(MASK);
  return result;
}

/** `redactValues` when the endpoint masks logging, else the line unchanged. */
export function maskLine(
  line: string,
  maskLogging: boolean,
  message: { userId?: string | null; text?: string | null; data?: unknown },
): string {
  return maskLogging ? redactValues(line, sensitiveValues(message)) : line;
}
