import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Per-endpoint ingestion rate limit ({perSecond, burst}; an empty object means unlimited). */
export class AddEndpointRateLimit1795847728049 implements MigrationInterface {
  name = 'AddEndpointRateLimit1795847728049';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE endpoints ADD COLUMN rate_limit jsonb NOT NULL DEFAULT '{}'`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE endpoints DROP COLUMN rate_limit`);
  }
}
