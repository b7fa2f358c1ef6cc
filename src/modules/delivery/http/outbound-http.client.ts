import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import { AxiosHeaders, type AxiosInstance, type AxiosRequestConfig, type AxiosResponse } from 'axios';
import type { GuardedAgents } from './guarded-agent.js';
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
]);
const TIMEOUT_ERROR_CODES = new Set(['ETIMEDOUT', 'ECONNABORTED']);

/**
 * Sends one HTTP request through the SSRF-guarded agents and reports the outcome as a value:
 * any status is a response (redirects are returned, never followed), and network failures are
 * classified instead of thrown, so the delivery worker can record every attempt the same way.
 */
export class OutboundHttpClient {
  constructor(
    private readonly http: AxiosInstance,
    private readonly agents: GuardedAgents,
  ) {}

  post(request: Omit<OutboundRequest, 'method'>): Promise<OutboundResponse> {
    return this.request({ ...request, method: 'POST' });
  }

  async request(request: OutboundRequest): Promise<OutboundResponse> {
    const startedAt = performance.now();
    const elapsed = (): number => Math.round(performance.now() - startedAt);
    const refusal = refuseScheme(request.url);
    if (refusal) return { ok: false, ...refusal, durationMs: elapsed() };
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), request.timeoutMs);
    try {
      const response = await this.http.request<Readable>(this.config(request, deadline.signal));
      const maxBytes = request.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
      const body = await readCapped(response.data, maxBytes, deadline.signal);
      const headers = flattenHeaders(response.headers);
      const retryAfterMs = parseRetryAfter(headers['retry-after']);
      return {
        ok: true,
        statusCode: response.status,
        headers,
        bodyText: new TextDecoder().decode(body, { stream: true }),
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
        durationMs: elapsed(),
      };
    } catch (error) {
      return {
        ok: false,
        ...describeFailure(error, deadline.signal.aborted, request.timeoutMs),
        durationMs: elapsed(),
      };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Every option that affects safety is set here, overriding whatever the shared instance defaults to. */
  private config(request: OutboundRequest, signal: AbortSignal): AxiosRequestConfig {
    const hasBody = request.body !== undefined;
    const headers = { ...request.headers };
    if (hasBody && !Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) {
      headers['Content-Type'] = 'application/json';
    }
    return {
      method: request.method ?? 'POST',
      url: request.url,
      headers,
      data: hasBody ? encodeBody(request.body) : undefined,
      signal,
      adapter: 'http',
      httpVersion: 1,
      httpAgent: this.agents.httpAgent,
      httpsAgent: this.agents.httpsAgent,
      // An environment proxy would be dialled instead of the checked address.
      proxy: false,
      socketPath: null,
      maxRedirects: 0,
      validateStatus: () => true,
      responseType: 'stream',
      decompress: true,
      // axios trims JSON-looking strings, which would break the body signature.
      transformRequest: [(data: unknown) => data],
      transformResponse: [(data: unknown) => data],
      // Our own deadline covers the whole exchange; axios's only covers socket inactivity.
      timeout: 0,
    };
  }
}

function encodeBody(body: string | object | undefined): Buffer {
  return Buffer.from(typeof body === 'string' ? body : JSON.stringify(body), 'utf8');
}

function refuseScheme(url: string): Failure | undefined {
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    return { code: 'other', error: 'invalid URL' };
  }
  // axios would otherwise serve data: URLs itself.
  if (protocol === 'http:' || protocol === 'https:') return undefined;
  return { code: 'ssrf', error: new SsrfError('only http and https URLs are allowed').message };
}

function flattenHeaders(headers: AxiosResponse['headers']): Record<string, string> {
  return AxiosHeaders.from(headers as AxiosHeaders).toJSON(true);
}

/**
 * Keeps the first `maxBytes` bytes and then destroys the stream, so a huge or endless response
 * costs at most `maxBytes` of memory. A failure after the status line arrived keeps what was
 * read: the status decides the delivery, the body is only logged.
 */
function readCapped(stream: Readable, maxBytes: number, signal: AbortSignal): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', finish);
      // Stops the transfer (and drops the connection) when the body was not read to the end.
      if (!stream.readableEnded) stream.destroy();
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
    if (signal.aborted) finish();
    else signal.addEventListener('abort', finish, { once: true });
  });
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
