import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sessions are rewritten after every message (state, lease) and outbox rows twice per attempt (lease, outcome).
 * Full pages force each of those updates to write a new entry into every index of the table; free room on the
 * page lets PostgreSQL keep the new version next to the old one (a HOT update) when no indexed column changed,
 * which is the case for the session state and for the delivery leases.
 */
export class LeaveRoomForHotUpdates1795860000000 implements MigrationInterface {
  name = 'LeaveRoomForHotUpdates1795860000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE sessions SET (fillfactor = 70)`);
    await db.query(`ALTER TABLE outbox SET (fillfactor = 80)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE sessions RESET (fillfactor)`);
    await db.query(`ALTER TABLE outbox RESET (fillfactor)`);
  }
}
