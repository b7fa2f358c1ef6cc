import { validateHeaderName, validateHeaderValue } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { InboundHttpRequest, InboundReply, ReceiveOutcome } from './ingest.types.js';

/** Headers the transport owns: a transformer setting them would corrupt the response framing. */
const TRANSPORT_HEADERS: ReadonlySet<string> = new Set([
  'connection',
  'content-length',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** The transport-free view of a request to an endpoint URL. */
export function toInboundRequest(request: FastifyRequest): InboundHttpRequest {
  const queryAt = request.url.indexOf('?');
  return {
    method: request.method,
    path: queryAt === -1 ? request.url : request.url.slice(0, queryAt),
    query: (request.query ?? {}) as Record<string, unknown>,
    headers: request.headers,
    body: request.body,
    clientIp: request.ip,
  };
}

/** `202 {status, messageId}`, or the answer the transformer wrote. */
export function sendReceiveOutcome(reply: FastifyReply, outcome: ReceiveOutcome): FastifyReply {
  if (outcome.reply === undefined) return reply.status(202).send(outcome.result);
  return sendTransformerReply(reply, outcome.reply);
}

/**
 * Express semantics where they are safe: a string is sent as is (text/plain unless the code set a type), any
 * other value as JSON. A status outside 200–599 is not a final answer and becomes 500; headers that are invalid
 * or belong to the transport are left out.
 */
function sendTransformerReply(reply: FastifyReply, answer: InboundReply): FastifyReply {
  const valid = answer.statusCode >= 200 && answer.statusCode <= 599;
  void reply.status(valid ? answer.statusCode : 500);
  for (const [name, value] of Object.entries(answer.headers)) {
    if (!TRANSPORT_HEADERS.has(name) && isValidHeader(name, value)) void reply.header(name, value);
  }
  if (answer.body === undefined) return reply.send();
  if (typeof answer.body === 'string') return reply.send(answer.body);
  if (!reply.hasHeader('content-type')) void reply.type('application/json; charset=utf-8');
  return reply.send(JSON.stringify(answer.body));
}

function isValidHeader(name: string, value: string): boolean {
  try {
    validateHeaderName(name);
    validateHeaderValue(name, value);
    return true;
  } catch {
    return false;
  }
}
