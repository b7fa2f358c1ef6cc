/**
 * SQL fragments that more than one statement about a session must write the same way. A module of its own, so that
 * the repositories share them without importing one another (inbox.repository imports session.repository, and the
 * statements are built while the modules load).
 */

/**
 * The global order in which every statement that locks several session rows locks them, so that instances (and an
 * endpoint's deletion) cannot deadlock on each other: an ORDER BY list over the given key columns, in byte order ("C",
 * whatever the database's collation), which is also uniqueSorted's.
 */
export function sessionLockOrder(endpointId: string, userId: string, sessionId: string): string {
  return `${endpointId}, ${userId} COLLATE "C", ${sessionId} COLLATE "C"`;
}

/**
 * True when the session with the given key columns has no pending message: one lookup in the pending-session index
 * per session. A scalar subquery on purpose: as NOT EXISTS, a batch (which the planner always takes for 100 rows) is
 * planned as a hash anti-join that reads every pending entry of that index (dead ones too: a bitmap scan never marks
 * them) for every batch, a cost that grows with the backlog.
 */
export function noPendingMessage(endpointId: string, userId: string, sessionId: string): string {
  return `(SELECT 1 FROM inbound_messages p
     WHERE p.endpoint_id = ${endpointId} AND p.user_id = ${userId} AND p.session_id = ${sessionId}
       AND p.status = 'pending'
     LIMIT 1) IS NULL`;
}
