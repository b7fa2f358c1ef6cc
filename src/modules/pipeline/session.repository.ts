import { Injectable } from '@nestjs/common';
import { Batcher } from '../../common/concurrency/batcher.js';
import { jsonRows } from '../../database/json-rows.js';
import { millisecondsFromNow, Sql, statement } from '../../database/sql.js';
import { keyRow, rowKey, sessionKeyString, uniqueSorted, type SessionKey, type SessionKeyRow } from './session-key.js';
import { noPendingMessage, sessionLockOrder } from './session-sql.js';

export interface ClaimedSession {
  /** The flow engine's state; null for a new conversation. */
  state: unknown;
  /** The sequence number of the session's last output (outputs are numbered from 1). */
  lastSequence: number;
}

/** A session whose lease this instance took: its state then, and the lease's token, which fences its commits. */
export interface SessionClaim {
  session: ClaimedSession;
  leaseToken: string;
}

/** A claim as the statements that claim return it. */
export interface SessionClaimRow extends SessionKeyRow {
  state: unknown;
  last_sequence: number;
  lease_token: string;
}

export function toSessionClaim(row: Omit<SessionClaimRow, keyof SessionKeyRow>): SessionClaim {
  return { session: { state: row.state, lastSequence: row.last_sequence }, leaseToken: row.lease_token };
}

/** What the message commit writes of a session (see saveHead). */
export interface SessionSave {
  key: SessionKey;
  /** The session's state after the message. */
  session: ClaimedSession;
  /** The token of the lease the session's state was read under (see SessionClaim). */
  leaseToken: string;
  messageId: string;
  /**
   * Whether to return the session's next pending messages: only the last of the messages a loop holds needs them;
   * for the others they would be read, sent and parsed for nothing, again and again while a session has a backlog.
   */
  readNext: boolean;
}

interface OwnedKey extends SessionKey {
  owner: string;
  leaseMs: number;
}

/**
 * Locks the session rows of the keys in `keys` (a CTE with columns e, u, s, and more), in sessionLockOrder, and
 * returns the keys whose row it locked. Each row is found by one index lookup: as a join, with a batch estimated at
 * 100 keys (any JSON parameter's row count), the planner read the whole sessions table instead once it held a few
 * thousand conversations, for every batch. `condition`: more on the row (`s`). The UPDATE that follows joins the
 * locked keys by key (query-plans.test.ts checks that it goes through the index), not by ctid: a row updated by
 * another transaction since the statement began is followed to its new version, which a ctid taken from the lock
 * would miss.
 */
function lockSessionRows(keys: string, condition = 'true'): string {
  return `SELECT k.* FROM (SELECT * FROM ${keys} x ORDER BY ${sessionLockOrder('x.e', 'x.u', 'x.s')}) k
     CROSS JOIN LATERAL (
       SELECT 1 FROM sessions s
       WHERE s.endpoint_id = k.e AND s.user_id = k.u AND s.session_id = k.s AND ${condition}
       FOR UPDATE) l`;
}

/**
 * SQL that claims sessions: creates each one if new and takes its lease if free, expired, or already ours, returning
 * the state and lease token of each one claimed (SessionClaimRow; a session leased to another instance returns
 * nothing). Taking a lease that was not ours makes a new token; renewing ours keeps it. `from` is a FROM item
 * aliased `k` with columns e, u, s (the key), owner and lease_ms; rows are inserted, and so locked, in
 * sessionLockOrder. Used by CLAIM and by the inbox insert (InboxRepository), which claims the sessions it wakes.
 */
export function claimSessions(from: string): string {
  return `INSERT INTO sessions AS s (endpoint_id, user_id, session_id, lease_owner, lease_expires_at, lease_token)
   SELECT k.e, k.u, k.s, k.owner, ${millisecondsFromNow('k.lease_ms')}, gen_random_uuid()
   FROM ${from}
   ORDER BY ${sessionLockOrder('k.e', 'k.u', 'k.s')}
   ON CONFLICT (endpoint_id, user_id, session_id) DO UPDATE
     SET lease_owner = EXCLUDED.lease_owner, lease_expires_at = EXCLUDED.lease_expires_at,
       lease_token = CASE WHEN s.lease_owner = EXCLUDED.lease_owner THEN coalesce(s.lease_token, EXCLUDED.lease_token)
         ELSE EXCLUDED.lease_token END
     WHERE s.lease_owner IS NULL OR s.lease_expires_at < now() OR s.lease_owner = EXCLUDED.lease_owner
   RETURNING s.endpoint_id, s.user_id, s.session_id, s.state, s.last_sequence, s.lease_token`;
}

const CLAIM = statement(
  claimSessions(`jsonb_to_recordset($1::jsonb) AS k(e uuid, u text, s text, owner text, lease_ms int)`),
  { bookkeeping: true },
);

// The idle check runs once per key (MATERIALIZED, see noPendingMessage); the rows are then locked in key order
// (lockSessionRows).
export const RELEASE_IF_IDLE = statement(
  `WITH idle AS MATERIALIZED (
     SELECT k.e, k.u, k.s, k.owner
     FROM jsonb_to_recordset($1::jsonb) AS k(e uuid, u text, s text, owner text)
     WHERE ${noPendingMessage('k.e', 'k.u', 'k.s')}),
   locked AS MATERIALIZED (${lockSessionRows('idle', 's.lease_owner = k.owner')})
   UPDATE sessions s SET lease_owner = NULL, lease_expires_at = NULL
   FROM locked l
   WHERE s.endpoint_id = l.e AND s.user_id = l.u AND s.session_id = l.s
   RETURNING s.endpoint_id, s.user_id, s.session_id`,
  { bookkeeping: true },
);

const RELEASE = statement(
  `UPDATE sessions SET lease_owner = NULL, lease_expires_at = NULL
   WHERE endpoint_id = $1 AND user_id = $2 AND session_id = $3 AND lease_owner = $4`,
  { bookkeeping: true },
);

/**
 * Sessions: per-conversation state plus the lease that makes one instance at a time its processor.
 * Ordering rests on the lease: only the owner reads the session's pending messages and writes its state,
 * and every write is fenced by `lease_owner = me` and the token of the lease it read the state under, so an owner
 * that lost its lease (it stalled past expiry) cannot commit over its successor, even once it holds a new lease.
 * Concurrent calls for different sessions are batched into one statement each (see Batcher).
 */
@Injectable()
export class SessionRepository {
  private readonly claims = new Batcher<OwnedKey, SessionClaim | null>((keys) => this.claimMany(keys));
  private readonly releases = new Batcher<OwnedKey, boolean>((keys) => this.releaseIdleMany(keys));

  constructor(private readonly sql: Sql) {}

  /** Creates the session if new and takes its lease if free, expired, or already ours. Null when another instance holds it. */
  claim(key: SessionKey, owner: string, leaseMs: number): Promise<SessionClaim | null> {
    return this.claims.add({ ...key, owner, leaseMs });
  }

  /**
   * Gives the lease up only if no message is pending. A message committed before this statement keeps the
   * lease here (the caller goes on), so a kick that failed to claim while we held it never strands it.
   */
  releaseIfIdle(key: SessionKey, owner: string): Promise<boolean> {
    return this.releases.add({ ...key, owner, leaseMs: 0 });
  }

  /**
   * The head of the message commit (see CommitPart): writes the sessions' states after their messages and renews
   * the leases, fenced by `lease_owner` and the lease's token; `saved` holds the keys still ours (with
   * `lease_owner`) — a session missing from it lost its lease and must not commit. Also fenced by the message: one
   * that is no longer pending was processed already (by an instance that held the lease before) and must not be
   * committed twice. The rows are
   * locked in key order first (lockSessionRows; the UPDATE's join order would be the planner's). The message is
   * looked up by its key (a scalar subquery: as EXISTS, it is planned as a hash join over every pending entry of the
   * inbox's index). Its rows go in as `$1`; every lease is renewed for `owner` by `leaseMs`.
   */
  saveHead(
    saves: readonly SessionSave[],
    owner: string,
    leaseMs: number,
  ): {
    ctes: string;
    rows: string;
  } {
    return {
      ctes: `session_saves AS MATERIALIZED (
         SELECT * FROM jsonb_to_recordset($1::jsonb)
           AS v(e uuid, u text, s text, owner text, lease_token uuid, lease_ms int, state jsonb, last_sequence int,
             message_id uuid, read_next boolean)),
       locked_sessions AS MATERIALIZED (${lockSessionRows('session_saves')}),
       saved AS (
         UPDATE sessions s SET state = v.state, last_sequence = v.last_sequence,
           lease_expires_at = ${millisecondsFromNow('v.lease_ms')}, updated_at = now()
         FROM locked_sessions v
         WHERE s.endpoint_id = v.e AND s.user_id = v.u AND s.session_id = v.s
           AND s.lease_owner = v.owner AND s.lease_token = v.lease_token
           AND (SELECT m.status FROM inbound_messages m WHERE m.id = v.message_id) = 'pending'
         RETURNING s.endpoint_id, s.user_id, s.session_id, s.lease_owner, v.read_next)`,
      // The state goes in as a nested value (a null state is stored as SQL NULL, as a new session's is).
      rows: jsonRows(
        saves.map(({ key, session, leaseToken, messageId, readNext }) => ({
          ...keyRow(key),
          owner,
          lease_token: leaseToken,
          lease_ms: leaseMs,
          state: session.state,
          last_sequence: session.lastSequence,
          message_id: messageId,
          read_next: readNext,
        })),
      ),
    };
  }

  async release(key: SessionKey, owner: string): Promise<void> {
    await this.sql.query(RELEASE, [key.endpointId, key.userId, key.sessionId, owner]);
  }

  private async claimMany(keys: OwnedKey[]): Promise<Array<SessionClaim | null>> {
    const unique = uniqueSorted(keys);
    const { rows } = await this.sql.query<SessionClaimRow>(CLAIM, [
      jsonRows(unique.map((key) => ({ ...keyRow(key), owner: key.owner, lease_ms: key.leaseMs }))),
    ]);
    const claimed = new Map(rows.map((row) => [rowKey(row), toSessionClaim(row)]));
    return keys.map((key) => claimed.get(sessionKeyString(key)) ?? null);
  }

  private async releaseIdleMany(keys: OwnedKey[]): Promise<boolean[]> {
    const unique = uniqueSorted(keys);
    const { rows } = await this.sql.query<SessionKeyRow>(RELEASE_IF_IDLE, [
      jsonRows(unique.map((key) => ({ ...keyRow(key), owner: key.owner }))),
    ]);
    const released = new Set(rows.map(rowKey));
    return keys.map((key) => released.has(sessionKeyString(key)));
  }
}
