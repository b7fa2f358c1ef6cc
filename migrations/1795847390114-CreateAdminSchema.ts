import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Admin API keys, flows, endpoints and their X-Webhook-Key keys. */
export class CreateAdminSchema1795847390114 implements MigrationInterface {
  name = 'CreateAdminSchema1795847390114';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE api_keys (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        name text NOT NULL,
        key_hash text NOT NULL,
        key_preview text NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        CONSTRAINT PK_API_KEYS PRIMARY KEY (id),
        CONSTRAINT UQ_API_KEYS_KEY_HASH UNIQUE (key_hash)
      )`);
    await db.query(`
      CREATE TABLE flows (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        name text NOT NULL,
        definition jsonb NOT NULL,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT PK_FLOWS PRIMARY KEY (id)
      )`);
    await db.query(`CREATE INDEX IDX_FLOWS_CREATED ON flows (created_at, id)`);
    await db.query(`
      CREATE TABLE endpoints (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        name text NOT NULL,
        flow_id uuid NOT NULL,
        active boolean NOT NULL DEFAULT true,
        url_token text NOT NULL,
        webhook_url text NOT NULL,
        basic_auth_user text,
        basic_auth_password_enc text,
        signing_secret_enc text NOT NULL,
        auth_method text NOT NULL DEFAULT 'none',
        nlu_connector text NOT NULL DEFAULT 'builtin',
        data_protection jsonb NOT NULL DEFAULT '{}',
        transformer jsonb NOT NULL DEFAULT '{}',
        delivery jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT PK_ENDPOINTS PRIMARY KEY (id),
        CONSTRAINT UQ_ENDPOINTS_URL_TOKEN UNIQUE (url_token),
        CONSTRAINT FK_ENDPOINTS_FLOW FOREIGN KEY (flow_id) REFERENCES flows (id) ON DELETE RESTRICT,
        CONSTRAINT CHK_ENDPOINTS_AUTH_METHOD CHECK (auth_method IN ('none', 'apiKey'))
      )`);
    await db.query(`CREATE INDEX IDX_ENDPOINTS_CREATED ON endpoints (created_at, id)`);
    await db.query(`CREATE INDEX IDX_ENDPOINTS_FLOW ON endpoints (flow_id)`);
    await db.query(`
      CREATE TABLE endpoint_api_keys (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        endpoint_id uuid NOT NULL,
        name text NOT NULL,
        key_hash text NOT NULL,
        key_preview text NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        CONSTRAINT PK_ENDPOINT_API_KEYS PRIMARY KEY (id),
        CONSTRAINT UQ_ENDPOINT_API_KEYS_KEY_HASH UNIQUE (key_hash),
        CONSTRAINT FK_ENDPOINT_API_KEYS_ENDPOINT FOREIGN KEY (endpoint_id) REFERENCES endpoints (id) ON DELETE CASCADE
      )`);
    await db.query(`CREATE INDEX IDX_ENDPOINT_API_KEYS_ENDPOINT ON endpoint_api_keys (endpoint_id)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE endpoint_api_keys`);
    await db.query(`DROP TABLE endpoints`);
    await db.query(`DROP TABLE flows`);
    await db.query(`DROP TABLE api_keys`);
  }
}
