import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Batcher } from '../../common/concurrency/batcher.js';
import { commitPart, type CommitPart } from '../../database/commit-part.js';
import { jsonRows } from '../../database/json-rows.js';
import { InstanceId } from '../../common/instance-id.js';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import { Sql, statement } from '../../database/sql.js';
import { claimSessions, toSessionClaim, type SessionClaim, type SessionClaimRow } from './session.repository.js';
import { noPendingMessage } from './session-sql.js';
import { keyRow, rowKey, sessionKeyString, uniqueSorted, type SessionKey, type SessionKeyRow } from './session-key.js';

export type InboundKind = 'message' | 'inject' | 'notify';

/** How many pending messages a session's loop takes at a time. */
export const PENDING_BATCH = 20;

export interface NewInboundMessage extends SessionKey {
  id: string;
  kind: InboundKind;
  text: string | null;
  data: Record<string, unknown> | null;
  traceId: string;
  /** The sender's IP, already masked when the endpoint has `dataProtection.maskIPAddress` (see clientIpToStore). */
  clientIp?: string | null;
}

/** A committed inbox row, and whether it was its session's only pending message then (see SessionExecutor.kick). */
export interface AcceptedMessage {
  message: PendingMessage;
  alone: boolean;
  /** When alone: its session, claimed for this instance by the same statement; null when leased elsewhere. */
  claimed: SessionClaim | null;
}

/** A row of INSERT_MESSAGES; the claim's columns are null unless `claimed`. */
interface InsertedRow extends Omit<SessionClaimRow, keyof SessionKeyRow> {
  id: string;
  received_at: Date;
  alone: boolean;
  claimed: boolean;
}

export type MessageOutcome = { status: 'done' } | { status: 'failed'; error: string };

export interface PendingMessage {
  id: string;
  kind: InboundKind;
  text: string | null;
  data: Record<string, unknown> | null;
  traceId: string;
  receivedAt: Date;
  clientIp: string | null;
}

interface PendingRow {
  id: string;
  kind: InboundKind;
  text: string | null;
  data: Record<string, unknown> | null;
  trace_id: string;
  received_at: Date;
  client_ip: string | null;
}

/** A PendingRow inside JSON (`nextPendingJson`): the timestamp is a string there. */
export type PendingJsonRow = Omit<PendingRow, 'received_at'> & { received_at: string };

// One JSON parameter keeps one statement text for any batch size; rows get `arrival` numbers in the parameter's
// order (ORDER BY its ordinality: a set-returning function's output order is not guaranteed by itself). Every part
// of the statement sees the inbox as it was before the INSERT: `alone` says that no other message of the session was
// pending. Such a message wakes its session's loop, which would claim the session first; when the session's lease is
// free (or expired), the statement claims it already (for owner $2, lease $3 ms), sparing that round trip: a
// conversation whose messages come seconds apart needs a claim for nearly every message. A leased session is left
// alone, without even a lock: its holder's loop (ours or another instance's) goes on, or hands it back after seeing
// this message, and a lock held through this statement's commit would hold up that loop's own commit.
//
// The endpoints are locked before the sessions, in the order deleting an endpoint locks them (its row, then its
// sessions): the insert's own foreign-key checks lock them only at the end of the statement, after the sessions, and
// so could deadlock with a deletion. Both probes are scalar subqueries, one index lookup per message (see
// noPendingMessage for why).
export const INSERT_MESSAGES = statement(`WITH inserted AS (
     INSERT INTO inbound_messages (id, endpoint_id, user_id, session_id, kind, text, data, trace_id, client_ip)
     SELECT m.id, m.endpoint_id, m.user_id, m.session_id, m.kind, m.text, m.data, m.trace_id, m.client_ip
     FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS (id uuid, endpoint_id uuid, user_id text, session_id text,
       kind text, text text, data jsonb, trace_id text, client_ip text)) WITH ORDINALITY AS m
     ORDER BY m.ordinality
     RETURNING id, endpoint_id, user_id, session_id, received_at),
   checked AS MATERIALIZED (
     SELECT i.id, i.endpoint_id, i.user_id, i.session_id, i.received_at,
       ${noPendingMessage('i.endpoint_id', 'i.user_id', 'i.session_id')} AS alone
     FROM inserted i),
   woken AS MATERIALIZED (
     SELECT DISTINCT c.endpoint_id AS e, c.user_id AS u, c.session_id AS s FROM checked c
     WHERE c.alone AND coalesce((
         SELECT h.lease_expires_at FROM sessions h
         WHERE h.endpoint_id = c.endpoint_id AND h.user_id = c.user_id AND h.session_id = c.session_id),
       '-infinity') < now()),
   live_endpoints AS MATERIALIZED (
     SELECT e.id FROM endpoints e WHERE e.id = ANY (ARRAY(SELECT w.e FROM woken w)) ORDER BY e.id FOR KEY SHARE),
   claimed AS (${claimSessions(`(SELECT w.e, w.u, w.s, $2::text AS owner, $3::int AS lease_ms
       FROM woken w JOIN live_endpoints l ON l.id = w.e) AS k`)})
   SELECT c.id, c.received_at, c.alone, s.endpoint_id IS NOT NULL AS claimed, s.state, s.last_sequence,
     s.lease_token
   FROM checked c
   LEFT JOIN claimed s ON s.endpoint_id = c.endpoint_id AND s.user_id = c.user_id AND s.session_id = c.session_id`);

const PENDING_FOR_SESSIONS =
  statement(`SELECT k.e AS endpoint_id, k.u AS user_id, k.s AS session_id, m.id, m.kind, m.text, m.data, m.trace_id, m.received_at,
     m.client_ip
   FROM jsonb_to_recordset($1::jsonb) AS k(e uuid, u text, s text)
   CROSS JOIN LATERAL (
     SELECT id, kind, text, data, trace_id, received_at, client_ip, arrival FROM inbound_messages
     WHERE endpoint_id = k.e AND user_id = k.u AND session_id = k.s AND status = 'pending'
     ORDER BY arrival LIMIT $2) m
   ORDER BY m.arrival`);

/**
 * The inbox: every accepted message, written before the 202 and marked done in the transaction that writes
 * its outputs. Pending rows are the recovery record for work an instance did not finish.
 */
@Injectable()
export class InboxRepository {
  // Concurrent requests' inserts share one statement (and one commit): see Batcher.
  private readonly writer = new Batcher<NewInboundMessage, AcceptedMessage>((rows) => this.insertMany(rows));
  private readonly pendingReader = new Batcher<SessionKey & { limit: number }, PendingMessage[]>((requests) =>
    this.pendingForMany(requests),
  );

  constructor(
    private readonly dataSource: DataSource,
    private readonly sql: Sql,
    private readonly instance: InstanceId,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Resolves once the row is committed (and its session claimed, when the message woke it: see INSERT_MESSAGES). */
  insert(message: NewInboundMessage): Promise<AcceptedMessage> {
    return this.writer.add(message);
  }

  private async insertMany(rows: NewInboundMessage[]): Promise<AcceptedMessage[]> {
    const { rows: inserted } = await this.sql.query<InsertedRow>(INSERT_MESSAGES, [
      jsonRows(
        rows.map((row) => ({
          id: row.id,
          endpoint_id: row.endpointId,
          user_id: row.userId,
          session_id: row.sessionId,
          kind: row.kind,
          text: row.text,
          data: row.data,
          trace_id: row.traceId,
          client_ip: row.clientIp,
        })),
      ),
      this.instance.value,
      this.config.leaseMs,
    ]);
    const byId = new Map(inserted.map((row) => [row.id, row]));
    // The statement cannot see its own rows: of a session's messages in one batch, only the first may be alone.
    const sessionsSeen = new Set<string>();
    return rows.map((row) => {
      const stored = byId.get(row.id);
      if (!stored) throw new Error(`inbox insert returned no row for message ${row.id}`);
      const session = sessionKeyString(row);
      const first = !sessionsSeen.has(session);
      sessionsSeen.add(session);
      const alone = stored.alone && first;
      // As the row stores it (JSON text: a non-finite number is null there), for the loop that takes it as is.
      const data = alone && row.data !== null ? (JSON.parse(JSON.stringify(row.data)) as typeof row.data) : row.data;
      const { id, kind, text, traceId } = row;
      const message = { id, kind, text, data, traceId, receivedAt: stored.received_at, clientIp: row.clientIp ?? null };
      const claimed = alone && stored.claimed ? toSessionClaim(stored) : null;
      return { message, alone, claimed };
    });
  }

  /** The session's pending messages in arrival order (concurrent calls share one statement). */
  pendingForSession(key: SessionKey, limit: number): Promise<PendingMessage[]> {
    return this.pendingReader.add({ ...key, limit });
  }

  private async pendingForMany(requests: Array<SessionKey & { limit: number }>): Promise<PendingMessage[][]> {
    const unique = uniqueSorted(requests);
    const limit = Math.max(...unique.map((request) => request.limit));
    const { rows } = await this.sql.query<SessionKeyRow & PendingRow>(PENDING_FOR_SESSIONS, [
      jsonRows(unique.map(keyRow)),
      limit,
    ]);
    const bySession = new Map<string, PendingMessage[]>();
    for (const row of rows) {
      const messages = bySession.get(rowKey(row)) ?? [];
      messages.push(toPendingMessage(row));
      bySession.set(rowKey(row), messages);
    }
    return requests.map((request) => (bySession.get(sessionKeyString(request)) ?? []).slice(0, request.limit));
  }

  /**
   * The message commit's inbox part (see CommitPart): each processed message done or failed. Its CTE returns the
   * ids it marked, for `nextPendingJson`.
   */
  processedPart(outcomes: ReadonlyArray<{ key: SessionKey; id: string; outcome: MessageOutcome }>): CommitPart {
    return commitPart(
      'inbox_processed',
      (param) => `UPDATE inbound_messages m SET status = i.status, error = i.error, processed_at = now()
         FROM jsonb_to_recordset(${param}::jsonb) AS i(id uuid, e uuid, u text, s text, status text, error text)
         JOIN saved k ON k.endpoint_id = i.e AND k.user_id = i.u AND k.session_id = i.s
         WHERE m.id = i.id
         RETURNING m.id`,
      outcomes.map(({ key, id, outcome }) => ({
        ...keyRow(key),
        id,
        status: outcome.status,
        error: outcome.status === 'failed' ? outcome.error.slice(0, 2000) : null,
      })),
    );
  }

  /**
   * For the message commit's result: the pending messages of the session `alias` (a row with endpoint_id, user_id,
   * session_id) after the one the statement processed (in the CTE `processedCte`, see `processedPart`), in arrival
   * order, as a JSON array of PendingRow. The statement sees the inbox as it was before it, so the processed message
   * is still pending there. This spares the session's loop a read when messages keep coming.
   */
  static nextPendingJson(alias: string, processedCte: string, limit: number): string {
    return `(SELECT coalesce(jsonb_agg(to_jsonb(n) ORDER BY n.arrival), '[]'::jsonb) FROM (
       SELECT m.id, m.kind, m.text, m.data, m.trace_id, m.received_at, m.client_ip, m.arrival FROM inbound_messages m
       WHERE m.endpoint_id = ${alias}.endpoint_id AND m.user_id = ${alias}.user_id AND m.session_id = ${alias}.session_id
         AND m.status = 'pending' AND m.id NOT IN (SELECT id FROM ${processedCte})
       ORDER BY m.arrival LIMIT ${Number(limit)}) n)`;
  }

  /** Pending messages as `nextPendingJson` returns them. */
  static fromPendingJson(rows: PendingJsonRow[]): PendingMessage[] {
    return rows.map((row) => toPendingMessage({ ...row, received_at: new Date(row.received_at) }));
  }

  /**
   * Sessions with messages pending for longer than `olderThanMs` whose session lease is free or expired: work
   * an instance accepted but did not finish (it died, or its fast path lost a race).
   */
  async strandedSessions(olderThanMs: number, limit: number): Promise<SessionKey[]> {
    const rows: Array<{ endpoint_id: string; user_id: string; session_id: string }> = await this.dataSource.query(
      `SELECT DISTINCT m.endpoint_id, m.user_id, m.session_id
       FROM inbound_messages m
       LEFT JOIN sessions s ON s.endpoint_id = m.endpoint_id AND s.user_id = m.user_id AND s.session_id = m.session_id
       WHERE m.status = 'pending' AND m.received_at < now() - make_interval(secs => $1::float8 / 1000)
         AND (s.lease_owner IS NULL OR s.lease_expires_at < now())
       LIMIT $2`,
      [olderThanMs, limit],
    );
    return rows.map((row) => ({ endpointId: row.endpoint_id, userId: row.user_id, sessionId: row.session_id }));
  }
}

function toPendingMessage(row: PendingRow): PendingMessage {
  return {
    id: row.id,
    kind: row.kind,
    text: row.text,
    data: row.data,
    traceId: row.trace_id,
    receivedAt: row.received_at,
    clientIp: row.client_ip,
  };
}
