import type { DataSource } from 'typeorm';

/** Every table holding rows of a conversation (its delivery attempts hang off its outbox rows). */
export const CONVERSATION_TABLES = [
  'inbound_messages',
  'sessions',
  'outbox',
  'transcript_entries',
  'analytics_events',
  'session_storage',
] as const;

/** Zero rows in every conversation table: what an erased conversation or a deleted endpoint leaves. */
export const NO_CONVERSATION_ROWS: Record<string, number> = Object.fromEntries(
  CONVERSATION_TABLES.map((table) => [table, 0]),
);

/** Rows per conversation table matching `where` (SQL over endpoint_id, user_id, session_id, with `params`). */
export async function conversationRowCounts(
  db: DataSource,
  where: string,
  params: unknown[],
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of CONVERSATION_TABLES) {
    const [row] = await db.query(`SELECT count(*)::int AS n FROM ${table} WHERE ${where}`, params);
    counts[table] = row.n;
  }
  return counts;
}

/** Delivery attempts whose output is gone: never any, whatever was deleted. */
export async function orphanAttemptCount(db: DataSource): Promise<number> {
  const [row] = await db.query(
    `SELECT count(*)::int AS n FROM delivery_attempts a WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.id = a.outbox_id)`,
  );
  return row.n;
}
