import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { Batcher } from '../../common/concurrency/batcher.js';
import type { SessionKey } from './session-key.js';

export type InboundKind = 'message' | 'inject' | 'notify';

export interface NewInboundMessage extends SessionKey {
  id: string;
  kind: InboundKind;
  text: string | null;
  data: Record<string, unknown> | null;
  traceId: string;
}

export interface PendingMessage {
  id: string;
  kind: InboundKind;
  text: string | null;
  data: Record<string, unknown> | null;
  traceId: string;
  receivedAt: Date;
}

/**
 * The inbox: every accepted message, written before the 202 and marked done in the transaction that writes
 * its outputs. Pending rows are the recovery record for work an instance did not finish.
 */
@Injectable()
export class InboxRepository {
  // Concurrent requests' inserts share one statement (and one commit): see Batcher.
  private readonly writer = new Batcher<NewInboundMessage>((rows) => this.insertMany(rows));

  constructor(private readonly dataSource: DataSource) {}

  /** Resolves once the row is committed. */
  insert(message: NewInboundMessage): Promise<void> {
    return this.writer.add(message);
  }

  private async insertMany(rows: NewInboundMessage[]): Promise<void> {
    // unnest keeps one statement text for any batch size; rows get `arrival` numbers in array order.
    await this.dataSource.query(
      `INSERT INTO inbound_messages (id, endpoint_id, user_id, session_id, kind, text, data, trace_id)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::jsonb[], $8::text[])`,
      [
        rows.map((row) => row.id),
        rows.map((row) => row.endpointId),
        rows.map((row) => row.userId),
        rows.map((row) => row.sessionId),
        rows.map((row) => row.kind),
        rows.map((row) => row.text),
        rows.map((row) => (row.data === null ? null : JSON.stringify(row.data))),
        rows.map((row) => row.traceId),
      ],
    );
  }

  async pendingForSession(key: SessionKey, limit: number): Promise<PendingMessage[]> {
    const rows: Array<{
      id: string;
      kind: InboundKind;
      text: string | null;
      data: Record<string, unknown> | null;
      trace_id: string;
      received_at: Date;
    }> = await this.dataSource.query(
      `SELECT id, kind, text, data, trace_id, received_at FROM inbound_messages
         WHERE endpoint_id = $1 AND user_id = $2 AND session_id = $3 AND status = 'pending'
         ORDER BY arrival LIMIT $4`,
      [key.endpointId, key.userId, key.sessionId, limit],
    );
    return rows.map((row) => ({
      id: row.id,
      kind: row.kind,
      text: row.text,
      data: row.data,
      traceId: row.trace_id,
      receivedAt: row.received_at,
    }));
  }

  async markProcessed(
    manager: EntityManager,
    id: string,
    outcome: { status: 'done' } | { status: 'failed'; error: string },
  ): Promise<void> {
    await manager.query(`UPDATE inbound_messages SET status = $2, error = $3, processed_at = now() WHERE id = $1`, [
      id,
      outcome.status,
      outcome.status === 'failed' ? outcome.error.slice(0, 2000) : null,
    ]);
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
