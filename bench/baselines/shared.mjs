// What the two baseline servers share: the ingestion schema, the echo body, the per-session ordered forwarder,
// a group-commit batcher, and start-up. Both take PORT, HOST and FORWARD_URL (the receiver) from the environment.
//
//   INGEST_SCHEMA                   Fastify JSON schema: the same limits as hookflow's ingestion DTO
//   echoBody(message, messageId, sequence) -> string   a webhook body shaped like hookflow's, echoing `data`
//   createForwarder(url, { maxSockets = 64 }) -> { send(sessionKey, body) -> Promise<boolean>, close() }
//     send() runs after every earlier send() of the same session finished (per-session order, as hookflow keeps
//     it); a failed POST is retried 3 times, 100 ms apart, then given up (resolves false, logged)
//   createBatcher(flush, maxBatch = 500) -> { add(item) -> Promise<void> }
//     group commit: while one flush runs, new items gather for the next, so concurrent requests share a round trip
//   await serve(app) -> void        listen on HOST:PORT; SIGTERM/SIGINT close the app and exit
import { randomUUID } from 'node:crypto';
import http from 'node:http';

export const INGEST_SCHEMA = {
  body: {
    type: 'object',
    additionalProperties: false,
    required: ['userId', 'sessionId'],
    properties: {
      userId: { type: 'string', minLength: 1, maxLength: 256 },
      sessionId: { type: 'string', minLength: 1, maxLength: 256 },
      text: { type: 'string', maxLength: 10_000 },
      data: { type: 'object' },
    },
  },
};

export function echoBody(message, messageId, sequence) {
  return JSON.stringify({
    userId: message.userId,
    sessionId: message.sessionId,
    AIOutput: {
      text: message.text ?? null,
      data: { echo: message.data ?? null },
      traceId: `endpoint-httpIncomingMessage-${messageId}`,
      disableSensitiveLogging: false,
      source: 'bot',
    },
    id: randomUUID(),
    sequence,
    inputId: messageId,
    endpointId: 'baseline',
    createdAt: new Date().toISOString(),
  });
}

function post(agent, target, body) {
  return new Promise((resolve) => {
    const req = http.request(
      {
        ...target,
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode >= 200 && res.statusCode < 300));
        res.on('error', () => resolve(false));
      },
    );
    req.on('error', () => resolve(false));
    req.end(body);
  });
}

export function createForwarder(url, { maxSockets = 64 } = {}) {
  const agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  const { hostname, port, pathname, search } = new URL(url);
  const target = { hostname, port, path: pathname + search };
  const tails = new Map();

  const deliver = async (body) => {
    for (let attempt = 0; attempt < 4; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 100));
      if (await post(agent, target, body)) return true;
    }
    process.stderr.write('forward failed 4 times: given up\n');
    return false;
  };

  return {
    send(sessionKey, body) {
      const previous = tails.get(sessionKey) ?? Promise.resolve(true);
      const sent = previous.then(() => deliver(body));
      tails.set(sessionKey, sent);
      void sent.then(() => {
        if (tails.get(sessionKey) === sent) tails.delete(sessionKey);
      });
      return sent;
    },
    close: () => agent.destroy(),
  };
}

export function createBatcher(flush, maxBatch = 500) {
  let pending = [];
  let flushing = false;
  const drain = async () => {
    flushing = true;
    while (pending.length > 0) {
      const batch = pending.slice(0, maxBatch);
      pending = pending.slice(maxBatch);
      try {
        await flush(batch.map((entry) => entry.item));
        for (const entry of batch) entry.resolve();
      } catch (error) {
        for (const entry of batch) entry.reject(error);
      }
    }
    flushing = false;
  };
  return {
    add: (item) =>
      new Promise((resolve, reject) => {
        pending.push({ item, resolve, reject });
        if (!flushing) void drain();
      }),
  };
}

export async function serve(app) {
  app.get('/health/ready', async () => ({ status: 'ok' }));
  await app.listen({ port: Number(process.env.PORT ?? 3000), host: process.env.HOST ?? '127.0.0.1' });
  for (const signal of ['SIGTERM', 'SIGINT']) {
    process.once(signal, () => {
      app.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
}

export function requiredEnv(name) {
  const value = process.env[name];
  if (!value) {
    process.stderr.write(`${name} is required\n`);
    process.exit(2);
  }
  return value;
}
