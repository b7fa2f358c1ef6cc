import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Almost every output is delivered by its first attempt, and that attempt cost a delivery_attempts row of its own
 * (a heap row, a primary-key entry and a foreign-key check per output). The attempt that delivers an output is now
 * kept on the outbox row instead — its number is `attempt_count`, its status `last_status_code` — and
 * delivery_attempts holds the attempts that failed. Rows written before keep their delivering attempt where it is.
 */
export class RecordDeliveringAttemptOnOutbox1795880000000 implements MigrationInterface {
  name = 'RecordDeliveringAttemptOnOutbox1795880000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE outbox
        ADD COLUMN delivered_attempt_started_at timestamptz,
        ADD COLUMN delivered_attempt_duration_ms integer,
        ADD COLUMN delivered_response_body text`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      INSERT INTO delivery_attempts (outbox_id, attempt, started_at, duration_ms, status_code, error, response_body)
      SELECT id, attempt_count, delivered_attempt_started_at, delivered_attempt_duration_ms, last_status_code, NULL,
        delivered_response_body
      FROM outbox WHERE delivered_attempt_started_at IS NOT NULL
      ON CONFLICT (outbox_id, attempt) DO NOTHING`);
    await db.query(`
      ALTER TABLE outbox
        DROP COLUMN delivered_attempt_started_at,
        DROP COLUMN delivered_attempt_duration_ms,
        DROP COLUMN delivered_response_body`);
  }
}
