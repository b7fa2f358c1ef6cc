import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboxRepository } from '../../src/modules/delivery/outbox.repository.js';
import { createEndpoint, createFlow, sayFlow } from '../factories/index.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { testDatabaseKind } from '../support/test-database.js';

/**
 * A delivery outcome is recorded even when its outbox row changes under it: the statement finds the row by its
 * ctid, which an update of the row (an operator's re-send of a pending output) replaces. PostgreSQL only: the
 * embedded database is one connection, so no second transaction can hold the row meanwhile.
 */
describe.skipIf(testDatabaseKind() !== 'postgres')('delivery outcomes', () => {
  let t: TestApp;
  let db: DataSource;
  let other: pg.Client;
  let endpointId: string;

  beforeAll(async () => {
    t = await startTestApp({ env: { PIPELINE_SWEEP_INTERVAL_MS: '60000' } });
    db = t.app.get(DataSource);
    other = new pg.Client({ connectionString: t.db.databaseUrl! });
    await other.connect();
    const flowId = (await createFlow(t, sayFlow('hi'))).id;
    endpointId = (await createEndpoint(t, { flowId })).id;
  });
  afterAll(async () => {
    await other?.end();
    await t?.close();
  });

  it('records the outcome of an output re-sent by an operator while its attempt was being recorded', async () => {
    const id = randomUUID();
    await db.query(
      `INSERT INTO outbox (id, endpoint_id, user_id, session_id, sequence, body, lease_owner, lease_expires_at)
       VALUES ($1, $2, 'u', 's', 1, '{}', 'test-owner', now() + interval '1 minute')`,
      [id, endpointId],
    );
    // The re-send's statement (DeliveryLogRepository), held open in another transaction.
    await other.query('BEGIN');
    await other.query(
      `UPDATE outbox SET status = 'pending', next_attempt_at = now(), round_start = attempt_count, finished_at = NULL
       WHERE id = $1 AND status IN ('dead', 'pending')`,
      [id],
    );
    const finished = t.app
      .get(OutboxRepository)
      .finishAttempt(
        id,
        'test-owner',
        { attempt: 1, startedAt: new Date(), durationMs: 3, statusCode: 200, error: null, responseBody: 'ok' },
        { status: 'delivered' },
      );
    await sleep(200);
    await other.query('COMMIT');
    await finished;

    const [row] = await db.query(`SELECT status, lease_owner, delivered_response_body FROM outbox WHERE id = $1`, [id]);
    expect(row).toEqual({ status: 'delivered', lease_owner: null, delivered_response_body: 'ok' });
  });
});
