import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Conversation records: the client IP of each inbound message, transcripts (inputs and outputs, kept when
 * `dataProtection.useConversations`) and analytics events (kept when `useAnalytics`). Both are purged after
 * the endpoint's `retentionDays`, and erased with their conversation.
 */
export class CreateConversationRecords1795849477012 implements MigrationInterface {
  name = 'CreateConversationRecords1795849477012';

  async up(db: QueryRunner): Promise<void> {
    // Already masked when the endpoint has maskIPAddress on.
    await db.query(`ALTER TABLE inbound_messages ADD COLUMN client_ip text`);
    // Erasing one conversation (sessions API DELETE) finds its inbox rows, done ones included, through this.
    await db.query(`CREATE INDEX IDX_INBOUND_SESSION ON inbound_messages (endpoint_id, user_id, session_id)`);

    // Sessions API: an endpoint's sessions oldest first (keyset), and lookup by sessionId alone.
    await db.query(
      `CREATE INDEX IDX_SESSIONS_ENDPOINT_CREATED ON sessions (endpoint_id, created_at, user_id, session_id)`,
    );
    await db.query(`CREATE INDEX IDX_SESSIONS_ENDPOINT_SESSION ON sessions (endpoint_id, session_id)`);

    await db.query(`
      CREATE TABLE transcript_entries (
        position bigserial NOT NULL,
        id uuid NOT NULL,
        endpoint_id uuid NOT NULL,
        user_id text NOT NULL,
        session_id text NOT NULL,
        direction text NOT NULL,
        source text NOT NULL,
        input_id uuid,
        sequence integer,
        text text,
        data jsonb,
        intent text,
        client_ip text,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT PK_TRANSCRIPT_ENTRIES PRIMARY KEY (position),
        CONSTRAINT FK_TRANSCRIPT_ENTRIES_ENDPOINT FOREIGN KEY (endpoint_id) REFERENCES endpoints (id) ON DELETE CASCADE,
        CONSTRAINT CHK_TRANSCRIPT_ENTRIES_DIRECTION CHECK (direction IN ('input', 'output')),
        CONSTRAINT CHK_TRANSCRIPT_ENTRIES_SOURCE CHECK (source IN ('user', 'inject', 'bot', 'notify'))
      )`);
    // A session's transcript in order (and its erasure); `position` orders one transaction's input before its outputs.
    await db.query(
      `CREATE INDEX IDX_TRANSCRIPT_SESSION_POSITION ON transcript_entries (endpoint_id, user_id, session_id, position)`,
    );
    // Retention purge: an endpoint's entries older than its cutoff.
    await db.query(`CREATE INDEX IDX_TRANSCRIPT_ENDPOINT_CREATED ON transcript_entries (endpoint_id, created_at)`);

    await db.query(`
      CREATE TABLE analytics_events (
        id bigserial NOT NULL,
        endpoint_id uuid NOT NULL,
        kind text NOT NULL,
        source text NOT NULL,
        user_id text NOT NULL,
        session_id text NOT NULL,
        message_id uuid,
        intent text,
        intent_score double precision,
        text text,
        data jsonb,
        client_ip text,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT PK_ANALYTICS_EVENTS PRIMARY KEY (id),
        CONSTRAINT FK_ANALYTICS_EVENTS_ENDPOINT FOREIGN KEY (endpoint_id) REFERENCES endpoints (id) ON DELETE CASCADE,
        CONSTRAINT CHK_ANALYTICS_EVENTS_KIND CHECK (kind IN ('input', 'output')),
        CONSTRAINT CHK_ANALYTICS_EVENTS_SOURCE CHECK (source IN ('user', 'inject', 'bot', 'notify'))
      )`);
    // Every analytics figure is a range scan of one endpoint's events by time; the included columns let the
    // counts (per kind, distinct sessions, top intents) run as index-only scans. The purge uses it too.
    await db.query(`
      CREATE INDEX IDX_ANALYTICS_ENDPOINT_CREATED ON analytics_events (endpoint_id, created_at)
      INCLUDE (kind, user_id, session_id, intent)`);
    await db.query(`CREATE INDEX IDX_ANALYTICS_SESSION ON analytics_events (endpoint_id, user_id, session_id)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE analytics_events`);
    await db.query(`DROP TABLE transcript_entries`);
    await db.query(`DROP INDEX IDX_SESSIONS_ENDPOINT_SESSION`);
    await db.query(`DROP INDEX IDX_SESSIONS_ENDPOINT_CREATED`);
    await db.query(`DROP INDEX IDX_INBOUND_SESSION`);
    await db.query(`ALTER TABLE inbound_messages DROP COLUMN client_ip`);
  }
}
