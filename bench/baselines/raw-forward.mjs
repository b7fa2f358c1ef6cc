// Raw baseline (not durable): a bare Fastify server that validates the message, answers 202, then forwards the
// echo to FORWARD_URL with a keep-alive client, each session's forwards in order. Nothing is stored: a crash
// loses whatever was accepted and not yet forwarded. The ceiling for "receive JSON, POST JSON" on this machine.
//
//   PORT=3001 FORWARD_URL=http://127.0.0.1:8080/hook node bench/baselines/raw-forward.mjs
//   POST /ingest {userId, sessionId, text?, data?} -> 202 {status: 'accepted', messageId}
import { randomUUID } from 'node:crypto';
import { setImmediate } from 'node:timers';
import Fastify from 'fastify';
import { createForwarder, echoBody, INGEST_SCHEMA, requiredEnv, serve } from './shared.mjs';

const forwarder = createForwarder(requiredEnv('FORWARD_URL'));
const sequences = new Map();

const app = Fastify({ logger: false });
app.addHook('onClose', async () => forwarder.close());

app.post('/ingest', { schema: INGEST_SCHEMA }, async (request, reply) => {
  const message = request.body;
  const messageId = randomUUID();
  const session = `${message.userId}\u0000${message.sessionId}`;
  const sequence = (sequences.get(session) ?? 0) + 1;
  sequences.set(session, sequence);
  // The reply goes out first; the forward follows once this handler has returned.
  setImmediate(() => void forwarder.send(session, echoBody(message, messageId, sequence)));
  return reply.code(202).send({ status: 'accepted', messageId });
});

await serve(app);
