import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { Batcher, noResults } from '../../common/concurrency/batcher.js';
import { Sql, statement } from '../../database/sql.js';
import {
  keyColumns,
  rowKey,
  sessionKeyString,
  uniqueSorted,
  type SessionKey,
  type SessionKeyRow,
} from './session-key.js';

export type InboundKind = 'message' | 'inject' | 'notify';

export interface NewInboundMessage extends SessionKey {
  id: string;
  kind: InboundKind;
  text: string | null;
  data: Record<string, unknown> | null;
  traceId: string;
  /** The sender's IP, already masked when the endpoint has `dataProtection.maskIPAddress` (see clientIpToStore). */
  clientIp?: string | null;
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

/**
 * The inbox: every accepted message, written before the 202 and marked done in the transaction that writes
 * its outputs. Pending rows are the recovery record for work an instance did not finish.
 */
interface PendingRow {
  id: string;
  kind: InboundKind;
  text: string | null;
  data: Record<string, unknown> | null;
  trace_id: string;
  received_at: Date;
  client_ip: string | null;
}

// unnest keeps one statement text for any batch size; rows get `arrival` numbers in array order.
const INSERT_MESSAGES = statement(
  'inbox_insert',
  `INSERT INTO inbound_messages (id, endpoint_id, user_id, session_id, kind, text, data, trace_id, client_ip)
   SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::jsonb[], $8::text[],
                        $9::text[])`,
);

const PENDING_FOR_SESSIONS = statement(
  'inbox_pending_for_sessions',
  `SELECT k.e AS endpoint_id, k.u AS user_id, k.s AS session_id, m.id, m.kind, m.text, m.data, m.trace_id, m.received_at,
     m.client_ip
   FROM unnest($1::uuid[], $2::text[], $3::text[]) AS k(e, u, s)
   CROSS JOIN LATERAL (
     SELECT id, kind, text, data, trace_id, received_at, client_ip, arrival FROM inbound_messages
     WHERE endpoint_id = k.e AND user_id = k.u AND session_id = k.s AND status = 'pending'
     ORDER BY arrival LIMIT $4) m
   ORDER BY m.arrival`,
);

@Injectable()
export class InboxRepository {
  // Concurrent requests' inserts share one statement (and one commit): see Batcher.
  private readonly writer = new Batcher<NewInboundMessage>(noResults((rows) => this.insertMany(rows)));
  private readonly pendingReader = new Batcher<SessionKey & { limit: number }, PendingMessage[]>((requests) =>
    this.pendingForMany(requests),
  );

  constructor(
    private readonly dataSource: DataSource,
    private readonly sql: Sql,
  ) {}

  /** Resolves once the row is committed. */
  insert(message: NewInboundMessage): Promise<void> {
    return this.writer.add(message);
  }

  private async insertMany(rows: NewInboundMessage[]): Promise<void> {
    await this.sql.query(INSERT_MESSAGES, [
      rows.map((row) => row.id),
      rows.map((row) => row.endpointId),
      rows.map((row) => row.userId),
      rows.map((row) => row.sessionId),
      rows.map((row) => row.kind),
      rows.map((row) => row.text),
      rows.map((row) => (row.data === null ? null : JSON.stringify(row.data))),
      rows.map((row) => row.traceId),
      rows.map((row) => row.clientIp ?? null),
    ]);
  }

  /** The session's pending messages in arrival order (concurrent calls share one statement). */
  pendingForSession(key: SessionKey, limit: number): Promise<PendingMessage[]> {
    return this.pendingReader.add({ ...key, limit });
  }

  private async pendingForMany(requests: Array<SessionKey & { limit: number }>): Promise<PendingMessage[][]> {
    const unique = uniqueSorted(requests);
    const limit = Math.max(...unique.map((request) => request.limit));
    const { rows } = await this.sql.query<SessionKeyRow & PendingRow>(PENDING_FOR_SESSIONS, [
      ...keyColumns(unique),
      limit,
    ]);
    const bySession = new Map<string, PendingMessage[]>();
    for (const row of rows) {
      const messages = bySession.get(rowKey(row)) ?? [];
      messages.push({
        id: row.id,
        kind: row.kind,
        text: row.text,
        data: row.data,
        traceId: row.trace_id,
        receivedAt: row.received_at,
        clientIp: row.client_ip,
      });
      bySession.set(rowKey(row), messages);
    }
    return requests.map((request) => (bySession.get(sessionKeyString(request)) ?? []).slice(0, request.limit));
  }

  async markProcessed(
    manager: EntityManager,
    outcomes: ReadonlyArray<{ id: string; outcome: MessageOutcome }>,
  ): Promise<void> {
    if (outcomes.length === 0) return;
    await manager.query(
      `UPDATE inbound_messages m SET status = v.status, error = v.error, processed_at = now()
       FROM unnest($1::uuid[], $2::text[], $3::text[]) AS v(id, status, error) WHERE m.id = v.id`,
      [
        outcomes.map(({ id }) => id),
        outcomes.map(({ outcome }) => outcome.status),
        outcomes.map(({ outcome }) => (outcome.status === 'failed' ? outcome.error.slice(0, 2000) : null)),
      ],
    );
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
