/** One conversation: the unit of ordering. Its messages are processed, and its outputs delivered, in order. */
export interface SessionKey {
  endpointId: string;
  userId: string;
  sessionId: string;
}

/**
 * A collision-free map key, cheap to build (it is made several times per message): NUL separates the parts,
 * and no id can contain NUL — PostgreSQL text cannot hold it, and requests carrying it are refused up front.
 */
export function sessionKeyString(key: SessionKey): string {
  return `${key.endpointId}\u0000${key.userId}\u0000${key.sessionId}`;
}

/** A session key as batched statements return it. */
export interface SessionKeyRow {
  endpoint_id: string;
  user_id: string;
  session_id: string;
}

export function rowKey(row: SessionKeyRow): string {
  return sessionKeyString({ endpointId: row.endpoint_id, userId: row.user_id, sessionId: row.session_id });
}

/** One entry per session (a statement may touch a row only once), in a stable global order so that instances
 * lock session rows in the same order and cannot deadlock each other. */
export function uniqueSorted<K extends SessionKey>(keys: K[]): K[] {
  const byKey = new Map(keys.map((key) => [sessionKeyString(key), key]));
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, key]) => key);
}

/** A session key as (part of) a row of a batched statement's JSON parameter (see jsonRows): `e uuid, u text, s text`. */
export function keyRow(key: SessionKey): { e: string; u: string; s: string } {
  return { e: key.endpointId, u: key.userId, s: key.sessionId };
}
