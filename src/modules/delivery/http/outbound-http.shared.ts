import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import { parseRetryAfter } from './retry-after.util.js';
import { SSRF_BLOCKED_CODE, SsrfError } from './ssrf.errors.js';

export const DEFAULT_MAX_RESPONSE_BYTES = 4096;

export type OutboundErrorCode = 'timeout' | 'ssrf' | 'connection' | 'other';

export interface OutboundRequest {
  method?: string;
  url: string;
  headers?: Record<string, string>;
  /** Sent byte for byte when a string (sign exactly this string); objects are sent as JSON. */
  body?: string | object;
  /**
   * Deadline for the whole exchange: DNS, connect, TLS, request and response. A body still
   * arriving at the deadline is cut off; the status already received stands.
   */
  timeoutMs: number;
  maxResponseBytes?: number;
}

export type OutboundResponse =
  | {
      ok: true;
      statusCode: number;
      headers: Record<string, string>;
      /** The first `maxResponseBytes` bytes of the body as UTF-8; the rest is never read. */
      bodyText: string;
      retryAfterMs?: number;
      durationMs: number;
    }
  | { ok: false; error: string; code: OutboundErrorCode; durationMs: number };

interface Failure {
  code: OutboundErrorCode;
  error: string;
}

/** What {@link exchange} hands a transport: the checked URL, the deadline to obey, and how much body to keep. */
export interface ExchangeContext {
  url: URL;
  deadline: Deadline;
  /** The response body's first bytes to keep (a stream's with {@link readCapped}, as soon as the response arrives). */
  maxBytes: number;
}

/** The status line and headers of a response (names lowercased, values flattened), and its capped body. */
export interface ReceivedResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: Promise<Buffer>;
}

export type Transport = (context: ExchangeContext) => Promise<ReceivedResponse>;

const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'EADDRNOTAVAIL',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
  // undici: the connection closed or failed under a request; the dispatcher was closed (shutting down).
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
]);
const TIMEOUT_ERROR_CODES = new Set(['ETIMEDOUT', 'ECONNABORTED', 'UND_ERR_CONNECT_TIMEOUT']);

const noop = (): void => {};

/**
 * The deadline of one exchange: a timer and the callbacks it runs when it passes. Plain callbacks rather than an
 * AbortSignal: adding and removing a listener on Node's EventTarget costs about 7 µs, twice per webhook.
 */
export class Deadline {
  private readonly timer: NodeJS.Timeout;
  private readonly callbacks = new Set<() => void>();
  private passed = false;

  constructor(ms: number) {
    this.timer = setTimeout(() => this.pass(), ms);
  }

  get expired(): boolean {
    return this.passed;
  }

  /** Calls `callback` once when the deadline passes (at once if it has); the function returned cancels that. */
  onExpiry(callback: () => void): () => void {
    if (this.passed) {
      callback();
      return noop;
    }
    this.callbacks.add(callback);
    return () => this.callbacks.delete(callback);
  }

  /** For APIs that take an AbortSignal (axios). */
  toSignal(): AbortSignal {
    const controller = new AbortController();
    this.onExpiry(() => controller.abort());
    return controller.signal;
  }

  clear(): void {
    clearTimeout(this.timer);
    this.callbacks.clear();
  }

  private pass(): void {
    this.passed = true;
    for (const callback of this.callbacks) callback();
    this.callbacks.clear();
  }
}

/**
 * Runs one request through `send` and reports the outcome as a value: the scheme check, the deadline over the
 * whole exchange, the body cap, `Retry-After` and the failure classification are the same whichever transport
 * (axios or undici) carries it.
 */
export async function exchange(request: OutboundRequest, send: Transport): Promise<OutboundResponse> {
  const startedAt = performance.now();
  const elapsed = (): number => Math.round(performance.now() - startedAt);
  const url = parseHttpUrl(request.url);
  if (!(url instanceof URL)) return { ok: false, ...url, durationMs: elapsed() };
  const deadline = new Deadline(request.timeoutMs);
  const maxBytes = request.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  try {
    const response = await send({ url, deadline, maxBytes });
    const body = await response.body;
    const retryAfterMs = parseRetryAfter(response.headers['retry-after']);
    return {
      ok: true,
      statusCode: response.statusCode,
      headers: response.headers,
      // `stream: true` holds back a character the cap cut in two instead of emitting U+FFFD.
      bodyText: new TextDecoder().decode(body, { stream: true }),
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      durationMs: elapsed(),
    };
  } catch (error) {
    return {
      ok: false,
      ...describeFailure(error, deadline.expired, request.timeoutMs),
      durationMs: elapsed(),
    };
  } finally {
    deadline.clear();
  }
}

/** The bytes to send and the headers to send them with: JSON unless the caller named a content type. */
export function outgoingBody(request: Pick<OutboundRequest, 'headers' | 'body'>): {
  headers: Record<string, string>;
  body: Buffer | undefined;
} {
  const headers = { ...request.headers };
  if (request.body === undefined) return { headers, body: undefined };
  if (!Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) {
    headers['Content-Type'] = 'application/json';
  }
  const text = typeof request.body === 'string' ? request.body : JSON.stringify(request.body);
  return { headers, body: Buffer.from(text, 'utf8') };
}

function parseHttpUrl(url: string): URL | Failure {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { code: 'other', error: 'invalid URL' };
  }
  // axios would otherwise serve data: URLs itself.
  if (parsed.protocol === 'http:' || parsed.protocol === 'https:') return parsed;
  return { code: 'ssrf', error: new SsrfError('only http and https URLs are allowed').message };
}

/**
 * Keeps the first `maxBytes` bytes and then destroys the stream, so a huge or endless response
 * costs at most `maxBytes` of memory. A failure after the status line arrived keeps what was
 * read: the status decides the delivery, the body is only logged.
 */
export function readCapped(stream: Readable, maxBytes: number, deadline: Deadline): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    let cancelExpiry = noop;
    const finish = (): void => {
      if (settled) return;
      settled = true;
      cancelExpiry();
      if (stream.readableEnded) {
        // Read to the end: a keep-alive socket is back in its pool already.
      } else if (isCompleteMessage(stream)) {
        // The whole message is parsed and buffered: draining it keeps the connection reusable.
        stream.resume();
      } else {
        // Bytes still on the wire: the connection cannot carry another request, so it is dropped.
        stream.destroy();
      }
      resolve(Buffer.concat(chunks, size));
    };
    stream.on('data', (chunk: Buffer) => {
      if (settled) return;
      const kept = chunk.subarray(0, maxBytes - size);
      chunks.push(kept);
      size += kept.length;
      if (size >= maxBytes) finish();
    });
    stream.on('error', finish);
    stream.once('end', finish);
    stream.once('close', finish);
    // A stream destroyed before these listeners were attached emits no further events.
    if (stream.destroyed) finish();
    else cancelExpiry = deadline.onExpiry(finish);
  });
}

/** `IncomingMessage.complete`: the parser has seen the end of the message (undefined on a decompressing stream). */
function isCompleteMessage(stream: Readable): boolean {
  return (stream as Readable & { complete?: unknown }).complete === true;
}

function causeChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  const pending = [error];
  while (pending.length > 0 && chain.length < 16) {
    const current = pending.shift();
    if (!(current instanceof Error)) continue;
    chain.push(current);
    if (current.cause !== undefined) pending.push(current.cause);
    if (current instanceof AggregateError) pending.push(...(current.errors as unknown[]));
  }
  return chain;
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

function describeFailure(error: unknown, timedOut: boolean, timeoutMs: number): Failure {
  if (timedOut) return { code: 'timeout', error: `no response within ${timeoutMs} ms` };
  const chain = causeChain(error);
  const ssrf = chain.find((candidate) => candidate instanceof SsrfError);
  if (ssrf instanceof SsrfError) return { code: 'ssrf', error: ssrf.message };
  const codes = chain.map(errorCode);
  const message = error instanceof Error && error.message ? error.message : String(error);
  if (codes.includes(SSRF_BLOCKED_CODE)) return { code: 'ssrf', error: message };
  if (codes.some((code) => code !== undefined && TIMEOUT_ERROR_CODES.has(code)))
    return { code: 'timeout', error: message };
  if (codes.some((code) => code !== undefined && CONNECTION_ERROR_CODES.has(code))) {
    return { code: 'connection', error: message };
  }
  return { code: 'other', error: message };
}
