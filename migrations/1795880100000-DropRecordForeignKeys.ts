import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every processed message wrote five rows that referenced its endpoint (its outputs, two transcript entries, two
 * analytics events), and for each PostgreSQL ran a foreign-key check that locks the endpoint's row (FOR KEY SHARE,
 * one more locker of the same row per concurrent transaction). These rows are only ever written by the message
 * commit, joined to the session row it updates, and the session row keeps its foreign key (ON DELETE CASCADE), so
 * deleting an endpoint still waits for a commit in progress; EndpointConfigRepository.delete removes the rows
 * that referenced it, after the endpoint, in the same transaction.
 */
export class DropRecordForeignKeys1795880100000 implements MigrationInterface {
  name = 'DropRecordForeignKeys1795880100000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE outbox DROP CONSTRAINT FK_OUTBOX_ENDPOINT`);
    await db.query(`ALTER TABLE transcript_entries DROP CONSTRAINT FK_TRANSCRIPT_ENTRIES_ENDPOINT`);
    await db.query(`ALTER TABLE analytics_events DROP CONSTRAINT FK_ANALYTICS_EVENTS_ENDPOINT`);
  }

  async down(db: QueryRunner): Promise<void> {
    for (const [table, constraint] of [
      ['outbox', 'FK_OUTBOX_ENDPOINT'],
      ['transcript_entries', 'FK_TRANSCRIPT_ENTRIES_ENDPOINT'],
      ['analytics_events', 'FK_ANALYTICS_EVENTS_ENDPOINT'],
    ]) {
      await db.query(`DELETE FROM ${table} t WHERE NOT EXISTS (SELECT 1 FROM endpoints e WHERE e.id = t.endpoint_id)`);
      await db.query(
        `ALTER TABLE ${table} ADD CONSTRAINT ${constraint}
         FOREIGN KEY (endpoint_id) REFERENCES endpoints (id) ON DELETE CASCADE`,
      );
    }
  }
}
