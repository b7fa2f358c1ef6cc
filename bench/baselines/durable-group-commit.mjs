// Durable baseline: a bare Fastify server that stores each message in PostgreSQL before answering 202 — with
// group commit: the inserts of concurrent requests go into one statement, one transaction, one WAL flush — then
// forwards the echo to FORWARD_URL (each session in order, keep-alive client) and marks the message delivered
// (those updates group-committed too). The minimum a durable "accepted means kept" gateway has to do.
//
//   PORT=3002 FORWARD_URL=http://127.0.0.1:8080/hook DATABASE_URL=postgres://… node bench/baselines/durable-group-commit.mjs
//   POST /ingest {userId, sessionId, text?, data?} -> 202 {status: 'accepted', messageId} once committed
// It creates its table on start (use an empty database). No recovery on restart: undelivered rows would be the
// work to redo, found through the partial index.
import { randomUUID } from 'node:crypto';
import { setImmediate } from 'node:timers';
import Fastify from 'fastify';
import pg from 'pg';
import { createBatcher, createForwarder, echoBody, INGEST_SCHEMA, requiredEnv, serve } from './shared.mjs';

const pool = new pg.Pool({ connectionString: requiredEnv('DATABASE_URL'), max: Number(process.env.POOL_SIZE ?? 4) });
await pool.query(`
  CREATE TABLE IF NOT EXISTS messages (
    id uuid PRIMARY KEY,
    user_id text NOT NULL,
    session_id text NOT NULL,
    text text,
    data jsonb,
    received_at timestamptz NOT NULL DEFAULT now(),
    delivered_at timestamptz
  );
  CREATE INDEX IF NOT EXISTS messages_undelivered ON messages (received_at) WHERE delivered_at IS NULL;`);

const inserts = createBatcher((rows) =>
  pool.query(
    `INSERT INTO messages (id, user_id, session_id, text, data)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::jsonb[])`,
    [
      rows.map((row) => row.id),
      rows.map((row) => row.userId),
      rows.map((row) => row.sessionId),
      rows.map((row) => row.text ?? null),
      rows.map((row) => (row.data === undefined ? null : JSON.stringify(row.data))),
    ],
  ),
);
const deliveries = createBatcher((ids) =>
  pool.query(`UPDATE messages SET delivered_at = now() WHERE id = ANY($1::uuid[])`, [ids]),
);

const forwarder = createForwarder(requiredEnv('FORWARD_URL'));
const sequences = new Map();

const app = Fastify({ logger: false });
app.addHook('onClose', async () => {
  forwarder.close();
  await pool.end();
});

app.post('/ingest', { schema: INGEST_SCHEMA }, async (request, reply) => {
  const message = request.body;
  const id = randomUUID();
  await inserts.add({ id, ...message });
  const session = `${message.userId}\u0000${message.sessionId}`;
  const sequence = (sequences.get(session) ?? 0) + 1;
  sequences.set(session, sequence);
  setImmediate(() => {
    void forwarder.send(session, echoBody(message, id, sequence)).then((ok) => {
      if (ok) return deliveries.add(id).catch((error) => process.stderr.write(`mark delivered: ${error.message}\n`));
    });
  });
  return reply.code(202).send({ status: 'accepted', messageId: id });
});

await serve(app);
