import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Two indexes no query needs, each written for every accepted message or output. The stranded-message sweep reads
 * the pending inbox through IDX_INBOUND_PENDING_SESSION (it groups by session anyway); the delivery poller and the
 * outbox-depth gauge read pending outputs through IDX_OUTBOX_PENDING_SESSION (by session, and by endpoint first).
 */
export class DropUnusedPendingIndexes1795870000000 implements MigrationInterface {
  name = 'DropUnusedPendingIndexes1795870000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX IDX_INBOUND_PENDING_ARRIVAL`);
    await db.query(`DROP INDEX IDX_OUTBOX_PENDING_DUE`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`CREATE INDEX IDX_INBOUND_PENDING_ARRIVAL ON inbound_messages (arrival) WHERE status = 'pending'`);
    await db.query(`CREATE INDEX IDX_OUTBOX_PENDING_DUE ON outbox (next_attempt_at) WHERE status = 'pending'`);
  }
}
