import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What endpoint transformers need at run time: the compiled module (transpiled and checked when the endpoint is
 * saved, so no message pays for a compile) and the per-conversation storage behind `getSessionStorage()`.
 */
export class AddTransformerRuntimeData1795849374588 implements MigrationInterface {
  name = 'AddTransformerRuntimeData1795849374588';

  async up(db: QueryRunner): Promise<void> {
    // Null: no transformer code. Rows saved before this column existed are compiled when first read.
    await db.query(`ALTER TABLE endpoints ADD COLUMN transformer_js text`);
    await db.query(`
      CREATE TABLE session_storage (
        endpoint_id uuid NOT NULL,
        user_id text NOT NULL,
        session_id text NOT NULL,
        value jsonb NOT NULL,
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT PK_SESSION_STORAGE PRIMARY KEY (endpoint_id, user_id, session_id),
        CONSTRAINT FK_SESSION_STORAGE_ENDPOINT FOREIGN KEY (endpoint_id) REFERENCES endpoints (id) ON DELETE CASCADE
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE session_storage`);
    await db.query(`ALTER TABLE endpoints DROP COLUMN transformer_js`);
  }
}
