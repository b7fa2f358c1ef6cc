import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The retention purge's (endpoint_id, received_at) index also matched the executor's "pending messages of this
 * session" lookups, and without fresh statistics the planner picked it and walked every processed message of the
 * endpoint. Restricting it to processed rows (the only ones the purge deletes) leaves those lookups to the
 * pending-session index.
 */
export class TuneInboxIndexes1795852315490 implements MigrationInterface {
  name = 'TuneInboxIndexes1795852315490';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX IDX_INBOUND_ENDPOINT_RECEIVED`);
    await db.query(
      `CREATE INDEX IDX_INBOUND_PROCESSED_RECEIVED ON inbound_messages (endpoint_id, received_at)
       WHERE status IN ('done', 'failed')`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX IDX_INBOUND_PROCESSED_RECEIVED`);
    await db.query(`CREATE INDEX IDX_INBOUND_ENDPOINT_RECEIVED ON inbound_messages (endpoint_id, received_at)`);
  }
}
