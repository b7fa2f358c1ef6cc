import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { SessionKey } from './session-key.js';

export interface ClaimedSession {
  /** The flow engine's state; null for a new conversation. */
  state: unknown;
  /** The sequence number of the session's last output (outputs are numbered from 1). */
  lastSequence: number;
}

const LEASE = `now() + make_interval(secs => $5::float8 / 1000)`;

/**
 * Sessions: per-conversation state plus the lease that makes one instance at a time its processor.
 * Ordering rests on the lease: only the owner reads the session's pending messages and writes its state,
 * and every write is fenced by `lease_owner = me`, so an owner that lost its lease (it stalled past
 * expiry) cannot commit over its successor.
 */
@Injectable()
export class SessionRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Creates the session if new and takes its lease if free, expired, or already ours. Null when another instance holds it. */
  async claim(key: SessionKey, owner: string, leaseMs: number): Promise<ClaimedSession | null> {
    const rows: Array<{ state: unknown; last_sequence: number }> = await this.dataSource.query(
      `INSERT INTO sessions AS s (endpoint_id, user_id, session_id, lease_owner, lease_expires_at)
       VALUES ($1, $2, $3, $4, ${LEASE})
       ON CONFLICT (endpoint_id, user_id, session_id) DO UPDATE
         SET lease_owner = EXCLUDED.lease_owner, lease_expires_at = EXCLUDED.lease_expires_at
         WHERE s.lease_owner IS NULL OR s.lease_expires_at < now() OR s.lease_owner = EXCLUDED.lease_owner
       RETURNING s.state, s.last_sequence`,
      [key.endpointId, key.userId, key.sessionId, owner, leaseMs],
    );
    const row = rows[0];
    return row ? { state: row.state, lastSequence: row.last_sequence } : null;
  }

  /** Writes the state after a message, renewing the lease. False when the lease is no longer ours. */
  async save(
    manager: EntityManager,
    key: SessionKey,
    owner: string,
    leaseMs: number,
    session: ClaimedSession,
  ): Promise<boolean> {
    const [, affected]: [unknown, number] = await manager.query(
      `UPDATE sessions SET state = $6, last_sequence = $7, lease_expires_at = ${LEASE}, updated_at = now()
       WHERE endpoint_id = $1 AND user_id = $2 AND session_id = $3 AND lease_owner = $4`,
      [key.endpointId, key.userId, key.sessionId, owner, leaseMs, JSON.stringify(session.state), session.lastSequence],
    );
    return affected === 1;
  }

  /**
   * Gives the lease up only if no message is pending. A message committed before this statement keeps the
   * lease here (the caller goes on), so a kick that failed to claim while we held it never strands it.
   */
  async releaseIfIdle(key: SessionKey, owner: string): Promise<boolean> {
    const [, affected]: [unknown, number] = await this.dataSource.query(
      `UPDATE sessions SET lease_owner = NULL, lease_expires_at = NULL
       WHERE endpoint_id = $1 AND user_id = $2 AND session_id = $3 AND lease_owner = $4
         AND NOT EXISTS (
           SELECT 1 FROM inbound_messages m
           WHERE m.endpoint_id = $1 AND m.user_id = $2 AND m.session_id = $3 AND m.status = 'pending')`,
      [key.endpointId, key.userId, key.sessionId, owner],
    );
    return affected === 1;
  }

  async release(key: SessionKey, owner: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE sessions SET lease_owner = NULL, lease_expires_at = NULL
       WHERE endpoint_id = $1 AND user_id = $2 AND session_id = $3 AND lease_owner = $4`,
      [key.endpointId, key.userId, key.sessionId, owner],
    );
  }
}
