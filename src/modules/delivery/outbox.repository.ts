import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { SessionKey } from '../pipeline/session-key.js';

export type OutboxStatus = 'pending' | 'delivered' | 'dead';

export interface NewOutboxRow extends SessionKey {
  id: string;
  sequence: number;
  inputId: string | null;
  traceId: string | null;
  /** The exact JSON text POSTed on every attempt (the signature covers these bytes). */
  body: string;
}

export interface ClaimedDelivery extends SessionKey {
  id: string;
  sequence: number;
  body: string;
  attemptCount: number;
  roundStart: number;
}

export type AttemptOutcome =
  { status: 'delivered' } | { status: 'retry'; delayMs: number } | { status: 'dead'; reason: string };

export interface AttemptRecord {
  attempt: number;
  startedAt: Date;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
  responseBody: string | null;
}

const LEASE = (param: string) => `now() + make_interval(secs => ${param}::float8 / 1000)`;

/**
 * The outbox: one row per output, numbered per session. Ordering invariant: only a session's HEAD (its lowest
 * pending sequence) can be claimed, and a claimed head stays pending (leased) until delivered or dead, so a
 * session never has two outputs in flight and never skips ahead — across any number of instances.
 */
@Injectable()
export class OutboxRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insertMany(manager: EntityManager, rows: NewOutboxRow[]): Promise<void> {
    if (rows.length === 0) return;
    await manager.query(
      `INSERT INTO outbox (id, endpoint_id, user_id, session_id, sequence, input_id, trace_id, body)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::int[], $6::uuid[], $7::text[], $8::text[])`,
      [
        rows.map((row) => row.id),
        rows.map((row) => row.endpointId),
        rows.map((row) => row.userId),
        rows.map((row) => row.sessionId),
        rows.map((row) => row.sequence),
        rows.map((row) => row.inputId),
        rows.map((row) => row.traceId),
        rows.map((row) => row.body),
      ],
    );
  }

  /**
   * Leases the session's head if it is due and not leased. No SKIP LOCKED here: skipping a locked head would
   * hand out the next output first. A head being finished concurrently fails the re-checked status/lease
   * conditions, and its finisher goes on with the session.
   */
  async claimHead(key: SessionKey, owner: string, leaseMs: number): Promise<ClaimedDelivery | null> {
    const [rows]: [Array<Record<string, unknown>>, number] = await this.dataSource.query(
      `UPDATE outbox o SET lease_owner = $4, lease_expires_at = ${LEASE('$5')}
       FROM (SELECT id FROM outbox
             WHERE endpoint_id = $1 AND user_id = $2 AND session_id = $3 AND status = 'pending'
             ORDER BY sequence LIMIT 1) head
       WHERE o.id = head.id AND o.status = 'pending' AND o.next_attempt_at <= now()
         AND (o.lease_owner IS NULL OR o.lease_expires_at < now())
       RETURNING o.id, o.endpoint_id, o.user_id, o.session_id, o.sequence, o.body, o.attempt_count, o.round_start`,
      [key.endpointId, key.userId, key.sessionId, owner, leaseMs],
    );
    const row = rows[0];
    return row ? toClaimed(row) : null;
  }

  /** Sessions whose head is due and unleased: retries that came due, and work of instances that died. */
  async dueSessions(limit: number): Promise<SessionKey[]> {
    const rows: Array<{ endpoint_id: string; user_id: string; session_id: string }> = await this.dataSource.query(
      `SELECT o.endpoint_id, o.user_id, o.session_id FROM outbox o
       WHERE o.status = 'pending' AND o.next_attempt_at <= now()
         AND (o.lease_owner IS NULL OR o.lease_expires_at < now())
         AND NOT EXISTS (SELECT 1 FROM outbox p
                         WHERE p.endpoint_id = o.endpoint_id AND p.user_id = o.user_id AND p.session_id = o.session_id
                           AND p.status = 'pending' AND p.sequence < o.sequence)
       ORDER BY o.next_attempt_at LIMIT $1`,
      [limit],
    );
    return rows.map((row) => ({ endpointId: row.endpoint_id, userId: row.user_id, sessionId: row.session_id }));
  }

  /** Records the attempt and its outcome in one statement, fenced by our lease. */
  async finishAttempt(id: string, owner: string, attempt: AttemptRecord, outcome: AttemptOutcome): Promise<void> {
    const status = outcome.status === 'retry' ? 'pending' : outcome.status;
    const delayMs = outcome.status === 'retry' ? outcome.delayMs : 0;
    const lastError = outcome.status === 'dead' ? outcome.reason : attempt.error;
    await this.dataSource.query(
      `WITH attempt AS (
         INSERT INTO delivery_attempts (outbox_id, attempt, started_at, duration_ms, status_code, error, response_body)
         VALUES ($1, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (outbox_id, attempt) DO NOTHING)
       UPDATE outbox SET status = $9, attempt_count = GREATEST(attempt_count, $3),
         next_attempt_at = now() + make_interval(secs => $10::float8 / 1000),
         lease_owner = NULL, lease_expires_at = NULL, last_status_code = $6, last_error = $11,
         finished_at = CASE WHEN $9 = 'pending' THEN NULL ELSE now() END
       WHERE id = $1 AND lease_owner = $2`,
      [
        id,
        owner,
        attempt.attempt,
        attempt.startedAt,
        attempt.durationMs,
        attempt.statusCode,
        attempt.error,
        attempt.responseBody,
        status,
        delayMs,
        lastError,
      ],
    );
  }

  /** Hands back what this instance holds (graceful shutdown), so others take it over at once. */
  async releaseAll(owner: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE outbox SET lease_owner = NULL, lease_expires_at = NULL WHERE lease_owner = $1 AND status = 'pending'`,
      [owner],
    );
  }
}

function toClaimed(row: Record<string, unknown>): ClaimedDelivery {
  return {
    id: row.id as string,
    endpointId: row.endpoint_id as string,
    userId: row.user_id as string,
    sessionId: row.session_id as string,
    sequence: row.sequence as number,
    body: row.body as string,
    attemptCount: row.attempt_count as number,
    roundStart: row.round_start as number,
  };
}
