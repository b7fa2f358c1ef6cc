import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A session's lease gets a token, new each time an instance takes the lease (kept while it renews it), and the
 * message commit is fenced by owner AND token. The owner alone is not enough once the inbox insert claims the session
 * of the message it accepts: that claim may come while this instance's loop still runs on what it read under an
 * earlier lease — after the conversation was erased and created anew, or after the lease expired and went round
 * another instance — and, with the same owner, its commit would pass the fence.
 */
export class AddSessionLeaseToken1795880200000 implements MigrationInterface {
  name = 'AddSessionLeaseToken1795880200000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE sessions ADD COLUMN lease_token uuid`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE sessions DROP COLUMN lease_token`);
  }
}
