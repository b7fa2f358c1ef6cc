import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { SessionKey } from '../pipeline/session-key.js';
import type { TransactionQuery } from './conversation-records.js';

export interface SessionRow {
  userId: string;
  sessionId: string;
  lastSequence: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface SessionWithState extends SessionRow {
  state: unknown;
}

/** Keyset position in an endpoint's session list, ordered by (created_at, user_id, session_id). */
export interface SessionPosition {
  createdAt: Date;
  userId: string;
  sessionId: string;
}

const COLUMNS = 'user_id, session_id, last_sequence, created_at, updated_at';

/**
 * The sessions API's view of conversations. The session rows belong to the pipeline (its executor writes
 * them); this repository only reads them, and erases a whole conversation across the tables that hold it.
 */
@Injectable()
export class SessionsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async page(
    endpointId: string,
    userId: string | undefined,
    after: SessionPosition | null,
    limit: number,
  ): Promise<SessionRow[]> {
    const params: unknown[] = [endpointId];
    const where = ['endpoint_id = $1'];
    if (userId !== undefined) where.push(`user_id = $${params.push(userId)}`);
    if (after) {
      where.push(
        `(created_at, user_id, session_id) > ($${params.push(after.createdAt)}, $${params.push(after.userId)}, $${params.push(after.sessionId)})`,
      );
    }
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM sessions WHERE ${where.join(' AND ')}
       ORDER BY created_at, user_id, session_id LIMIT $${params.push(limit)}`,
      params,
    );
    return rows.map(toSessionRow);
  }

  /** Sessions with this id (of one user when `userId` is given); at most `limit`, to detect ambiguity. */
  async find(
    endpointId: string,
    sessionId: string,
    userId: string | undefined,
    limit: number,
  ): Promise<SessionWithState[]> {
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT ${COLUMNS}, state FROM sessions
       WHERE endpoint_id = $1 AND session_id = $2 AND ($3::text IS NULL OR user_id = $3) LIMIT $4`,
      [endpointId, sessionId, userId ?? null, limit],
    );
    return rows.map((row) => ({ ...toSessionRow(row), state: row.state }));
  }

  /**
   * Deletes everything stored for one conversation in one transaction: inbox rows (pending ones too: erased
   * means never processed), outbox rows with their attempts (FK cascade), transcript, analytics events,
   * transformer session storage, and the session row. Locking the session row first waits for a commit of the
   * executor in progress; an executor that commits later finds its lease row gone and rolls back.
   */
  async erase(key: SessionKey): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const tx: TransactionQuery = manager;
      const params = [key.endpointId, key.userId, key.sessionId];
      const match = 'endpoint_id = $1 AND user_id = $2 AND session_id = $3';
      const locked = (await tx.query(`SELECT 1 FROM sessions WHERE ${match} FOR UPDATE`, params)) as unknown[];
      let erased = locked.length > 0;
      for (const table of ['inbound_messages', 'outbox', 'transcript_entries', 'analytics_events', 'session_storage']) {
        const [, affected] = (await tx.query(`DELETE FROM ${table} WHERE ${match}`, params)) as [unknown, number];
        erased ||= affected > 0;
      }
      await tx.query(`DELETE FROM sessions WHERE ${match}`, params);
      return erased;
    });
  }
}

function toSessionRow(row: Record<string, unknown>): SessionRow {
  return {
    userId: row.user_id as string,
    sessionId: row.session_id as string,
    lastSequence: row.last_sequence as number,
    createdAt: row.created_at as Date,
    updatedAt: row.updated_at as Date,
  };
}
