import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The durable pipeline: the inbox (accepted messages), per-conversation sessions (state, output sequence and
 * the processing lease), the outbox (one row per output to deliver) and the delivery attempts log.
 */
export class CreatePipelineSchema1795847400000 implements MigrationInterface {
  name = 'CreatePipelineSchema1795847400000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE inbound_messages (
        id uuid NOT NULL,
        arrival bigserial NOT NULL,
        endpoint_id uuid NOT NULL,
        user_id text NOT NULL,
        session_id text NOT NULL,
        kind text NOT NULL DEFAULT 'message',
        text text,
        data jsonb,
        trace_id text NOT NULL,
        status text NOT NULL DEFAULT 'pending',
        error text,
        received_at timestamptz NOT NULL DEFAULT now(),
        processed_at timestamptz,
        CONSTRAINT PK_INBOUND_MESSAGES PRIMARY KEY (id),
        CONSTRAINT FK_INBOUND_MESSAGES_ENDPOINT FOREIGN KEY (endpoint_id) REFERENCES endpoints (id) ON DELETE CASCADE,
        CONSTRAINT CHK_INBOUND_MESSAGES_KIND CHECK (kind IN ('message', 'inject', 'notify')),
        CONSTRAINT CHK_INBOUND_MESSAGES_STATUS CHECK (status IN ('pending', 'done', 'failed'))
      )`);
    // The executor takes a session's pending messages in arrival order; the sweeper finds old pending ones.
    await db.query(`
      CREATE INDEX IDX_INBOUND_PENDING_SESSION ON inbound_messages (endpoint_id, user_id, session_id, arrival)
      WHERE status = 'pending'`);
    await db.query(`CREATE INDEX IDX_INBOUND_PENDING_ARRIVAL ON inbound_messages (arrival) WHERE status = 'pending'`);
    await db.query(`CREATE INDEX IDX_INBOUND_ENDPOINT_RECEIVED ON inbound_messages (endpoint_id, received_at)`);

    await db.query(`
      CREATE TABLE sessions (
        endpoint_id uuid NOT NULL,
        user_id text NOT NULL,
        session_id text NOT NULL,
        state jsonb,
        last_sequence integer NOT NULL DEFAULT 0,
        lease_owner text,
        lease_expires_at timestamptz,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT PK_SESSIONS PRIMARY KEY (endpoint_id, user_id, session_id),
        CONSTRAINT FK_SESSIONS_ENDPOINT FOREIGN KEY (endpoint_id) REFERENCES endpoints (id) ON DELETE CASCADE
      )`);

    await db.query(`
      CREATE TABLE outbox (
        id uuid NOT NULL,
        endpoint_id uuid NOT NULL,
        user_id text NOT NULL,
        session_id text NOT NULL,
        sequence integer NOT NULL,
        input_id uuid,
        trace_id text,
        body text NOT NULL,
        status text NOT NULL DEFAULT 'pending',
        attempt_count integer NOT NULL DEFAULT 0,
        -- attempt_count when the current retry round began (a manual retry starts a new round of the schedule)
        round_start integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        lease_owner text,
        lease_expires_at timestamptz,
        last_status_code integer,
        last_error text,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        finished_at timestamptz,
        CONSTRAINT PK_OUTBOX PRIMARY KEY (id),
        CONSTRAINT FK_OUTBOX_ENDPOINT FOREIGN KEY (endpoint_id) REFERENCES endpoints (id) ON DELETE CASCADE,
        CONSTRAINT UQ_OUTBOX_SESSION_SEQUENCE UNIQUE (endpoint_id, user_id, session_id, sequence),
        CONSTRAINT CHK_OUTBOX_STATUS CHECK (status IN ('pending', 'delivered', 'dead'))
      )`);
    // The head of each session's queue is its lowest pending sequence; claims look it up through this index.
    await db.query(`
      CREATE INDEX IDX_OUTBOX_PENDING_SESSION ON outbox (endpoint_id, user_id, session_id, sequence)
      WHERE status = 'pending'`);
    await db.query(`CREATE INDEX IDX_OUTBOX_PENDING_DUE ON outbox (next_attempt_at) WHERE status = 'pending'`);
    await db.query(`CREATE INDEX IDX_OUTBOX_ENDPOINT_CREATED ON outbox (endpoint_id, created_at, id)`);

    await db.query(`
      CREATE TABLE delivery_attempts (
        outbox_id uuid NOT NULL,
        attempt integer NOT NULL,
        started_at timestamptz NOT NULL,
        duration_ms integer NOT NULL,
        status_code integer,
        error text,
        response_body text,
        CONSTRAINT PK_DELIVERY_ATTEMPTS PRIMARY KEY (outbox_id, attempt),
        CONSTRAINT FK_DELIVERY_ATTEMPTS_OUTBOX FOREIGN KEY (outbox_id) REFERENCES outbox (id) ON DELETE CASCADE
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE delivery_attempts`);
    await db.query(`DROP TABLE outbox`);
    await db.query(`DROP TABLE sessions`);
    await db.query(`DROP TABLE inbound_messages`);
  }
}
