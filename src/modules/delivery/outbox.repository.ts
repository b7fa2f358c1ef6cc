import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Batcher } from '../../common/concurrency/batcher.js';
import { jsonRows } from '../../database/json-rows.js';
import { commitPart, type CommitPart } from '../../database/commit-part.js';
import { millisecondsFromNow, Sql, statement } from '../../database/sql.js';
import {
  keyRow,
  rowKey,
  sessionKeyString,
  uniqueSorted,
  type SessionKey,
  type SessionKeyRow,
} from '../pipeline/session-key.js';

export type OutboxStatus = 'pending' | 'delivered' | 'dead';

/** Where a session's earlier outputs were when new ones were committed (see `OutboxRepository.earlierOutputs`). */
export type EarlierOutputs = 'none' | 'here' | 'elsewhere';

export interface NewOutboxRow extends SessionKey {
  id: string;
  sequence: number;
  inputId: string | null;
  traceId: string | null;
  /** The exact JSON text POSTed on every attempt (the signature covers these bytes). */
  body: string;
  /**
   * What the flow (or notify) said, before any output transformer reshaped the body: recorded in the transcript
   * and analytics, never stored in the outbox. Absent: recovered from `body`.
   */
  content?: { text: string | null; data: Record<string, unknown> | null };
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

interface ClaimRequest extends SessionKey {
  owner: string;
  leaseMs: number;
  runLength: number;
}

interface FinishedAttempt {
  id: string;
  owner: string;
  attempt: AttemptRecord;
  outcome: AttemptOutcome;
}

// A run: the session's head, leased if it is due and free, plus the pending outputs right after it, leased in the
// same statement only for sessions whose head this statement got (and is not being retried). The heads are looked up once (MATERIALIZED):
// without it the planner may re-run the lateral head lookup for every pending row it joins against. The re-checks
// of the UPDATEs are written so that no index can serve them (`(…) IS TRUE`): without statistics the planner
// guessed that few outputs were due and scanned every due output through an index on next_attempt_at (since
// dropped) on each claim,
// where the primary key finds the few rows the claim is about.
const CLAIM_RUNS = statement(
  `WITH h AS MATERIALIZED (
     SELECT k.owner, k.lease_ms, head.id
     FROM jsonb_to_recordset($1::jsonb) AS k(e uuid, u text, s text, owner text, lease_ms int)
     CROSS JOIN LATERAL (SELECT id FROM outbox
                         WHERE endpoint_id = k.e AND user_id = k.u AND session_id = k.s AND status = 'pending'
                         ORDER BY sequence LIMIT 1) head),
   heads AS (
     UPDATE outbox o SET lease_owner = h.owner, lease_expires_at = ${millisecondsFromNow('h.lease_ms')}
     FROM h
     WHERE o.id = h.id AND o.status = 'pending' AND (o.next_attempt_at <= now()) IS TRUE
       AND (o.lease_owner IS NULL OR o.lease_expires_at < now())
     RETURNING o.id, o.endpoint_id, o.user_id, o.session_id, o.sequence, o.body, o.attempt_count, o.round_start,
       o.lease_owner, o.lease_expires_at),
   followers AS MATERIALIZED (
     SELECT f.id, heads.lease_owner, heads.lease_expires_at
     FROM heads CROSS JOIN LATERAL (SELECT id FROM outbox
                                    WHERE endpoint_id = heads.endpoint_id AND user_id = heads.user_id
                                      AND session_id = heads.session_id AND status = 'pending' AND sequence > heads.sequence
                                    ORDER BY sequence LIMIT $2) f
     -- A head being retried goes alone: while a receiver fails, leasing and handing back its followers on every
     -- attempt would only churn rows.
     WHERE heads.attempt_count = 0),
   rest AS (
     UPDATE outbox o SET lease_owner = f.lease_owner, lease_expires_at = f.lease_expires_at
     FROM followers f
     WHERE o.id = f.id AND o.status = 'pending' AND (o.next_attempt_at <= now()) IS TRUE
       AND (o.lease_owner IS NULL OR o.lease_expires_at < now())
     RETURNING o.id, o.endpoint_id, o.user_id, o.session_id, o.sequence, o.body, o.attempt_count, o.round_start)
   SELECT id, endpoint_id, user_id, session_id, sequence, body, attempt_count, round_start FROM heads
   UNION ALL
   SELECT id, endpoint_id, user_id, session_id, sequence, body, attempt_count, round_start FROM rest`,
  { bookkeeping: true },
);

const RELEASE_LEASES = statement(
  `UPDATE outbox SET lease_owner = NULL, lease_expires_at = NULL
   WHERE id = ANY($1::uuid[]) AND lease_owner = $2 AND status = 'pending'`,
  { bookkeeping: true },
);

const DUE_SESSIONS = statement(`SELECT endpoint_id, user_id, session_id FROM (
     SELECT DISTINCT ON (endpoint_id, user_id, session_id)
            endpoint_id, user_id, session_id, next_attempt_at, lease_owner, lease_expires_at
     FROM outbox WHERE status = 'pending'
     ORDER BY endpoint_id, user_id, session_id, sequence) heads
   WHERE next_attempt_at <= now() AND (lease_owner IS NULL OR lease_expires_at < now())
   LIMIT $1`);

// The outcomes of a batch of attempts, and the update that records them on the outbox rows still leased by their
// finisher. The start time comes as epoch milliseconds: a Date makes JSON.stringify take its slow path (toJSON),
// measured 3x the cost. The rows are found through the primary key, given as an array: as a join alone, with a batch
// estimated at 100 rows (any JSON parameter's row count), the planner reads the whole outbox instead once it holds a
// few thousand outputs. By id, not by ctid: an operator's re-send may update a pending row meanwhile, and its new
// version is found from the id, not from a ctid taken before.
const ATTEMPT_OUTCOMES = `SELECT * FROM jsonb_to_recordset($1::jsonb)
   AS v(id uuid, owner text, attempt int, started_ms float8, duration_ms int, status_code int, error text,
        response_body text, status text, delay_ms float8, last_error text)`;
const RECORD_OUTCOMES = `UPDATE outbox o SET status = v.status, attempt_count = GREATEST(o.attempt_count, v.attempt),
     next_attempt_at = ${millisecondsFromNow('v.delay_ms')},
     lease_owner = NULL, lease_expires_at = NULL, last_status_code = v.status_code, last_error = v.last_error,
     finished_at = CASE WHEN v.status = 'pending' THEN NULL ELSE now() END,
     delivered_attempt_started_at = CASE WHEN v.status = 'delivered' THEN to_timestamp(v.started_ms / 1000) END,
     delivered_attempt_duration_ms = CASE WHEN v.status = 'delivered' THEN v.duration_ms END,
     delivered_response_body = CASE WHEN v.status = 'delivered' THEN v.response_body END
   FROM v WHERE o.id = ANY (ARRAY(SELECT x.id FROM v x)) AND o.id = v.id AND o.lease_owner = v.owner`;

// The attempts and their outcomes in one statement. An attempt that delivers its output is kept on the outbox row
// (most outputs have no other); one that failed, or whose lease was lost meanwhile, gets a delivery_attempts row.
export const FINISH_ATTEMPTS = statement(
  `WITH v AS (${ATTEMPT_OUTCOMES}),
   finished AS (${RECORD_OUTCOMES} RETURNING o.id, o.status)
   INSERT INTO delivery_attempts (outbox_id, attempt, started_at, duration_ms, status_code, error, response_body)
   SELECT v.id, v.attempt, to_timestamp(v.started_ms / 1000), v.duration_ms, v.status_code, v.error, v.response_body
   FROM v
   -- Only for rows that still exist: a conversation erased while its POST was in flight must not fail the batch.
   WHERE (SELECT 1 FROM outbox x WHERE x.id = v.id) IS NOT NULL
     AND NOT EXISTS (SELECT 1 FROM finished f WHERE f.id = v.id AND f.status = 'delivered')
   ON CONFLICT (outbox_id, attempt) DO NOTHING`,
  { bookkeeping: true },
);

// A batch of deliveries only (most batches): each is kept on its outbox row, so the update alone records them, with
// less to plan (planned for every batch, see Sql) and no per-row look for an attempt row to write. A delivery whose
// lease was lost meanwhile goes unrecorded, where FINISH_ATTEMPTS would log it as an attempt: the lease's new holder
// sends the output again and records its own attempt.
export const FINISH_DELIVERIES = statement(`WITH v AS (${ATTEMPT_OUTCOMES}) ${RECORD_OUTCOMES}`, {
  bookkeeping: true,
});

/**
 * The outbox: one row per output, numbered per session. Ordering invariant: only a session's HEAD (its lowest
 * pending sequence) can be claimed, and a claimed head stays pending (leased) until delivered or dead, so a
 * session never has two outputs in flight and never skips ahead — across any number of instances. New rows are
 * written leased to the instance that committed them: no one claims them while that lease holds, and that instance
 * sends them only once they are the head (see DeliveryWorker.handOff).
 */
@Injectable()
export class OutboxRepository {
  private readonly claims = new Batcher<ClaimRequest, ClaimedDelivery[]>((requests) => this.claimRuns(requests));
  private readonly finishes = new Batcher<FinishedAttempt>((finishes) => this.finishMany(finishes));

  constructor(
    private readonly dataSource: DataSource,
    private readonly sql: Sql,
  ) {}

  /**
   * The message commit's outbox rows (see CommitPart): new outputs, pending, numbered per session, and already
   * leased to the committing instance (`lease`), so it can send them without claiming them (see DeliveryWorker):
   * no other instance takes them while the lease holds.
   */
  insertPart(rows: ReadonlyArray<NewOutboxRow & { lease: { owner: string; leaseMs: number } }>): CommitPart {
    return commitPart(
      'outbox_rows',
      (param) => `INSERT INTO outbox (id, endpoint_id, user_id, session_id, sequence, input_id, trace_id, body,
           lease_owner, lease_expires_at)
         SELECT o.id, o.endpoint_id, o.user_id, o.session_id, o.sequence, o.input_id, o.trace_id, o.body,
           o.lease_owner, ${millisecondsFromNow('o.lease_ms')}
         FROM jsonb_to_recordset(${param}::jsonb) AS o(id uuid, endpoint_id uuid, user_id text, session_id text,
           sequence int, input_id uuid, trace_id text, body text, lease_owner text, lease_ms int)
         JOIN saved k ON k.endpoint_id = o.endpoint_id AND k.user_id = o.user_id AND k.session_id = o.session_id`,
      rows.map((row) => ({
        id: row.id,
        endpoint_id: row.endpointId,
        user_id: row.userId,
        session_id: row.sessionId,
        sequence: row.sequence,
        input_id: row.inputId,
        trace_id: row.traceId,
        body: row.body,
        lease_owner: row.lease.owner,
        lease_ms: row.lease.leaseMs,
      })),
    );
  }

  /**
   * For the message commit's result: where the session `alias` (a row with endpoint_id, user_id, session_id) had
   * outputs pending before the statement (its own inserts are not visible to it), as EarlierOutputs: 'elsewhere' when
   * any is not leased to `owner` (an SQL expression) — waiting for a retry, re-queued by an operator, or another
   * instance's —, else 'here' when some are leased to `owner` (in its delivery worker's hands), else 'none'.
   */
  static earlierOutputs(alias: string, owner: string): string {
    const pending = `SELECT 1 FROM outbox p WHERE p.endpoint_id = ${alias}.endpoint_id AND p.user_id = ${alias}.user_id
      AND p.session_id = ${alias}.session_id AND p.status = 'pending'`;
    return `CASE
      WHEN EXISTS (${pending} AND (p.lease_owner IS DISTINCT FROM ${owner} OR p.lease_expires_at < now()))
        THEN 'elsewhere'
      WHEN EXISTS (${pending}) THEN 'here'
      ELSE 'none' END`;
  }

  /**
   * Leases the session's head if it is due and not leased, together with up to `runLength - 1` outputs after it:
   * the caller sends them one after another, in order, without a claim per output. No SKIP LOCKED: skipping a
   * locked head would hand out the next output first. A head being finished concurrently fails the re-checked
   * status/lease conditions, and its finisher goes on with the session. Concurrent claims share one statement.
   * Returns the run in sequence order, cut at the first gap (whatever lies past a gap is handed back): empty when
   * the head is not ours to send.
   */
  async claimRun(key: SessionKey, owner: string, leaseMs: number, runLength: number): Promise<ClaimedDelivery[]> {
    const claimed = await this.claims.add({ ...key, owner, leaseMs, runLength });
    const run = consecutive(claimed);
    if (run.length < claimed.length) await this.releaseLeases(claimed.slice(run.length), owner);
    return run;
  }

  private async claimRuns(requests: ClaimRequest[]): Promise<ClaimedDelivery[][]> {
    const unique = uniqueSorted(requests);
    const followers = Math.max(...unique.map((request) => request.runLength)) - 1;
    const { rows } = await this.sql.query<Record<string, unknown> & SessionKeyRow>(CLAIM_RUNS, [
      jsonRows(unique.map((request) => ({ ...keyRow(request), owner: request.owner, lease_ms: request.leaseMs }))),
      followers,
    ]);
    const bySession = new Map<string, ClaimedDelivery[]>();
    for (const row of rows) {
      const run = bySession.get(rowKey(row)) ?? [];
      run.push(toClaimed(row));
      bySession.set(rowKey(row), run);
    }
    // A session asked for twice in one batch gets its run once; the other request finds nothing to send.
    const handedOut = new Set<string>();
    return requests.map((request) => {
      const id = sessionKeyString(request);
      if (handedOut.has(id)) return [];
      handedOut.add(id);
      // Every row leased is returned (the run length is the batch's longest), so none stays leased unseen.
      return (bySession.get(id) ?? []).sort((a, b) => a.sequence - b.sequence);
    });
  }

  /** Hands leased outputs back unsent (a run cut short), so they can be claimed again at once. */
  async releaseLeases(deliveries: ReadonlyArray<{ id: string }>, owner: string): Promise<void> {
    if (deliveries.length === 0) return;
    await this.sql.query(RELEASE_LEASES, [deliveries.map((delivery) => delivery.id), owner]);
  }

  /**
   * Sessions whose head is due and unleased: retries that came due, and work of instances that died. One pass
   * over the pending-session index (DISTINCT ON picks each session's head), whatever the backlog's shape.
   */
  async dueSessions(limit: number): Promise<SessionKey[]> {
    const { rows } = await this.sql.query<SessionKeyRow>(DUE_SESSIONS, [limit]);
    return rows.map((row) => ({ endpointId: row.endpoint_id, userId: row.user_id, sessionId: row.session_id }));
  }

  /** Records the attempt and its outcome, fenced by our lease (concurrent finishes share one statement). */
  finishAttempt(id: string, owner: string, attempt: AttemptRecord, outcome: AttemptOutcome): Promise<void> {
    return this.finishes.add({ id, owner, attempt, outcome });
  }

  private async finishMany(finishes: FinishedAttempt[]): Promise<void[]> {
    const values = finishes.map(({ id, owner, attempt, outcome }) => ({
      id,
      owner,
      attempt: attempt.attempt,
      started_ms: attempt.startedAt.getTime(),
      duration_ms: attempt.durationMs,
      status_code: attempt.statusCode,
      error: attempt.error,
      response_body: attempt.responseBody,
      status: outcome.status === 'retry' ? 'pending' : outcome.status,
      delay_ms: outcome.status === 'retry' ? outcome.delayMs : 0,
      last_error: outcome.status === 'dead' ? outcome.reason : attempt.error,
    }));
    const allDelivered = finishes.every(({ outcome }) => outcome.status === 'delivered');
    await this.sql.query(allDelivered ? FINISH_DELIVERIES : FINISH_ATTEMPTS, [jsonRows(values)]);
    return [];
  }

  /** Outputs waiting for delivery per endpoint (the `hookflow_outbox_depth` gauge), via IDX_OUTBOX_PENDING_SESSION. */
  async pendingCountByEndpoint(): Promise<Map<string, number>> {
    const rows: Array<{ endpoint_id: string; depth: string }> = await this.dataSource.query(
      `SELECT endpoint_id, count(*) AS depth FROM outbox WHERE status = 'pending' GROUP BY endpoint_id`,
    );
    return new Map(rows.map((row) => [row.endpoint_id, Number(row.depth)]));
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

/** The leading outputs whose sequence numbers follow each other (a session's pending outputs normally all do). */
function consecutive(run: ClaimedDelivery[]): ClaimedDelivery[] {
  let length = run.length === 0 ? 0 : 1;
  while (length < run.length && run[length].sequence === run[length - 1].sequence + 1) length += 1;
  return run.slice(0, length);
}
