import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Keyset } from '../../common/pagination/pagination.js';
import type { AttemptRecord, OutboxStatus } from './outbox.repository.js';

export interface DeliveryRow {
  id: string;
  endpointId: string;
  userId: string;
  sessionId: string;
  sequence: number;
  inputId: string | null;
  traceId: string | null;
  status: OutboxStatus;
  attemptCount: number;
  nextAttemptAt: Date;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: Date;
  finishedAt: Date | null;
}

export interface DeliveryFilter {
  endpointId: string;
  status?: OutboxStatus;
  sessionId?: string;
}

const COLUMNS = `id, endpoint_id, user_id, session_id, sequence, input_id, trace_id, status, attempt_count, next_attempt_at,
  last_status_code, last_error, created_at, finished_at`;

/** Read and operator actions on the outbox for the delivery log API (the worker's queries live in OutboxRepository). */
@Injectable()
export class DeliveryLogRepository {
  constructor(private readonly dataSource: DataSource) {}

  async page(filter: DeliveryFilter, after: Keyset | null, limit: number): Promise<DeliveryRow[]> {
    const params: unknown[] = [filter.endpointId];
    const where = ['endpoint_id = $1'];
    if (filter.status) where.push(`status = $${params.push(filter.status)}`);
    if (filter.sessionId !== undefined) where.push(`session_id = $${params.push(filter.sessionId)}`);
    if (after) where.push(`(created_at, id) > ($${params.push(after.createdAt)}, $${params.push(after.id)})`);
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM outbox WHERE ${where.join(' AND ')} ORDER BY created_at, id LIMIT $${params.push(limit)}`,
      params,
    );
    return rows.map(toDeliveryRow);
  }

  async findWithBody(id: string): Promise<{ row: DeliveryRow; body: string } | null> {
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT ${COLUMNS}, body FROM outbox WHERE id = $1`,
      [id],
    );
    const row = rows[0];
    return row ? { row: toDeliveryRow(row), body: row.body as string } : null;
  }

  /**
   * Every attempt at an output, in order: the failed ones from delivery_attempts, and the one that delivered it,
   * kept on the outbox row (or, for rows delivered before that, in delivery_attempts too).
   */
  async attempts(id: string): Promise<AttemptRecord[]> {
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT attempt, started_at, duration_ms, status_code, error, response_body FROM delivery_attempts
       WHERE outbox_id = $1
       UNION ALL
       SELECT attempt_count, delivered_attempt_started_at, delivered_attempt_duration_ms, last_status_code, NULL,
         delivered_response_body
       FROM outbox o WHERE id = $1 AND delivered_attempt_started_at IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM delivery_attempts a WHERE a.outbox_id = o.id AND a.attempt = o.attempt_count)
       ORDER BY attempt`,
      [id],
    );
    return rows.map((row) => ({
      attempt: row.attempt as number,
      startedAt: row.started_at as Date,
      durationMs: row.duration_ms as number,
      statusCode: row.status_code as number | null,
      error: row.error as string | null,
      responseBody: row.response_body as string | null,
    }));
  }

  /**
   * Makes a dead or waiting delivery due now, with a fresh round of the retry schedule. Returns the new
   * status, or null if the row is missing or delivered.
   */
  async retryNow(id: string): Promise<boolean> {
    const [, affected]: [unknown, number] = await this.dataSource.query(
      `UPDATE outbox SET status = 'pending', next_attempt_at = now(), round_start = attempt_count, finished_at = NULL
       WHERE id = $1 AND status IN ('dead', 'pending')`,
      [id],
    );
    return affected === 1;
  }

  async retryDead(endpointId: string, since: Date | null, until: Date | null): Promise<number> {
    const [, affected]: [unknown, number] = await this.dataSource.query(
      `UPDATE outbox SET status = 'pending', next_attempt_at = now(), round_start = attempt_count, finished_at = NULL
       WHERE endpoint_id = $1 AND status = 'dead'
         AND ($2::timestamptz IS NULL OR created_at >= $2) AND ($3::timestamptz IS NULL OR created_at < $3)`,
      [endpointId, since, until],
    );
    return affected;
  }
}

function toDeliveryRow(row: Record<string, unknown>): DeliveryRow {
  return {
    id: row.id as string,
    endpointId: row.endpoint_id as string,
    userId: row.user_id as string,
    sessionId: row.session_id as string,
    sequence: row.sequence as number,
    inputId: row.input_id as string | null,
    traceId: row.trace_id as string | null,
    status: row.status as OutboxStatus,
    attemptCount: row.attempt_count as number,
    nextAttemptAt: row.next_attempt_at as Date,
    lastStatusCode: row.last_status_code as number | null,
    lastError: row.last_error as string | null,
    createdAt: row.created_at as Date,
    finishedAt: row.finished_at as Date | null,
  };
}
