/** Deeper JSON than this is refused: real messages are shallow, and deep values make recursion unsafe. */
export const MAX_JSON_DEPTH = 64;

// PostgreSQL text and jsonb cannot hold NUL, and jsonb refuses unpaired UTF-16 surrogates.
// eslint-disable-next-line no-control-regex
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why `value` (a parsed JSON value) cannot be stored as is, or null when it can. */
export function unstorableReason(value: unknown): string | null {
  return findUnstorable(value)?.message ?? null;
}

/** A value still to check, and how it was reached (its path is only spelled out for a value that fails). */
interface Visit {
  readonly value: unknown;
  readonly depth: number;
  readonly parent: Visit | null;
  readonly key: string;
  readonly inArray: boolean;
}

/**
 * Where and why `value` cannot be stored, or null. `field` is a path like `data.items[2]` below `prefix`.
 * Iterative, so a hostile 100,000-deep value cannot overflow the stack before its depth is noticed. It runs on
 * every request, so it allocates one small record per value and no path unless something fails.
 */
export function findUnstorable(value: unknown, prefix = ''): { field: string; message: string } | null {
  const stack: Visit[] = [{ value, depth: 0, parent: null, key: '', inArray: false }];
  while (stack.length > 0) {
    const visit = stack.pop()!;
    const current = visit.value;
    if (typeof current === 'string') {
      if (UNSTORABLE.test(current)) return failure(visit, prefix, 'contains a NUL character or an unpaired surrogate');
      continue;
    }
    if (current === null || typeof current !== 'object') continue;
    if (visit.depth >= MAX_JSON_DEPTH) return failure(visit, prefix, `is nested deeper than ${MAX_JSON_DEPTH} levels`);
    const inArray = Array.isArray(current);
    for (const key of Object.keys(current)) {
      if (UNSTORABLE.test(key))
        return failure(visit, prefix, 'has a key with a NUL character or an unpaired surrogate');
      const child = (current as Record<string, unknown>)[key];
      stack.push({ value: child, depth: visit.depth + 1, parent: visit, key, inArray });
    }
  }
  return null;
}

function failure(visit: Visit, prefix: string, message: string): { field: string; message: string } {
  const route: Visit[] = [];
  for (let step: Visit = visit; step.parent !== null; step = step.parent) route.push(step);
  let path = prefix;
  for (const step of route.reverse()) {
    path = step.inArray ? `${path}[${step.key}]` : path ? `${path}.${step.key}` : step.key;
  }
  return { field: path || 'body', message };
}

const UNSTORABLE_ALL = new RegExp(UNSTORABLE.source, 'g');

/** Text from outside (a receiver's response, an error message) made storable: unstorable characters become U+FFFD. */
export function toStorableText(text: string): string {
  return text.replace(UNSTORABLE_ALL, '\uFFFD');
}
