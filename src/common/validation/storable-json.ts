/** Deeper JSON than this is refused: real messages are shallow, and deep values make recursion unsafe. */
export const MAX_JSON_DEPTH = 64;

// PostgreSQL text and jsonb cannot hold NUL, and jsonb refuses unpaired UTF-16 surrogates.
// eslint-disable-next-line no-control-regex
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why `value` (a parsed JSON value) cannot be stored as is, or null when it can. */
export function unstorableReason(value: unknown): string | null {
  return findUnstorable(value)?.message ?? null;
}

/**
 * Where and why `value` cannot be stored, or null. `field` is a path like `data.items[2]` below `prefix`.
 * Iterative, so a hostile 100,000-deep value cannot overflow the stack before its depth is noticed.
 */
export function findUnstorable(value: unknown, prefix = ''): { field: string; message: string } | null {
  const stack: Array<{ value: unknown; depth: number; path: string }> = [{ value, depth: 0, path: prefix }];
  while (stack.length > 0) {
    const { value: current, depth, path } = stack.pop()!;
    const field = path || 'body';
    if (typeof current === 'string') {
      if (UNSTORABLE.test(current)) return { field, message: 'contains a NUL character or an unpaired surrogate' };
      continue;
    }
    if (current === null || typeof current !== 'object') continue;
    if (depth >= MAX_JSON_DEPTH) return { field, message: `is nested deeper than ${MAX_JSON_DEPTH} levels` };
    const isArray = Array.isArray(current);
    for (const [key, child] of Object.entries(current)) {
      const childPath = isArray ? `${path}[${key}]` : path ? `${path}.${key}` : key;
      if (UNSTORABLE.test(key)) return { field, message: 'has a key with a NUL character or an unpaired surrogate' };
      stack.push({ value: child, depth: depth + 1, path: childPath });
    }
  }
  return null;
}

const UNSTORABLE_ALL = new RegExp(UNSTORABLE.source, 'g');

/** Text from outside (a receiver's response, an error message) made storable: unstorable characters become U+FFFD. */
export function toStorableText(text: string): string {
  return text.replace(UNSTORABLE_ALL, '\uFFFD');
}
