import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Analytics events become one per processed message (its input, or a notify's output) carrying how many outputs it
 * sent, instead of one per input and one per output: a row and its three index entries less for every message. The
 * outputs' content stays in the transcript. Events written before count one output each when they are outputs. The
 * count joins the covering index the analytics figures are read from.
 */
export class OneAnalyticsEventPerTurn1795880300000 implements MigrationInterface {
  name = 'OneAnalyticsEventPerTurn1795880300000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE analytics_events ADD COLUMN output_count integer NOT NULL DEFAULT 0`);
    await db.query(`UPDATE analytics_events SET output_count = 1 WHERE kind = 'output'`);
    await db.query(`DROP INDEX IDX_ANALYTICS_ENDPOINT_CREATED`);
    await db.query(`CREATE INDEX IDX_ANALYTICS_ENDPOINT_CREATED ON analytics_events (endpoint_id, created_at)
      INCLUDE (kind, user_id, session_id, intent, output_count)`);
  }

  /** Events written since keep their input; the outputs they counted are no longer counted. */
  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX IDX_ANALYTICS_ENDPOINT_CREATED`);
    await db.query(`CREATE INDEX IDX_ANALYTICS_ENDPOINT_CREATED ON analytics_events (endpoint_id, created_at)
      INCLUDE (kind, user_id, session_id, intent)`);
    await db.query(`ALTER TABLE analytics_events DROP COLUMN output_count`);
  }
}
