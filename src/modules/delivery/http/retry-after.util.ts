/**
 * Parses a `Retry-After` header (delay in seconds or an HTTP date) into milliseconds from
 * `nowMs`; undefined when absent or malformed. A date in the past means "now" (0).
 */
export function parseRetryAfter(value: string | undefined, nowMs: number = Date.now()): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // HTTP dates start with a day name; this keeps Date.parse's lenient guesses ("1.5") out.
  if (!/^[A-Za-z]/.test(text)) return undefined;
  const dateMs = Date.parse(text);
  return Number.isNaN(dateMs) ? undefined : Math.max(0, dateMs - nowMs);
}
