/**
 * Validation of what user code asks of the host, and shaping of the answers it gets back. Runs in the worker;
 * the main thread's SandboxHost still applies its own checks (SSRF guard, storage ownership).
 */
import type { SandboxHttpResponse } from '../transformer.types.js';
import type { HostCall } from './sandbox.protocol.js';

const HTTP_METHODS: ReadonlySet<string> = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);
const MAX_ID_LENGTH = 256;

export function toHostCall(kind: string, payloadJson: string, remainingMs: number): HostCall {
  switch (kind) {
    case 'httpRequest':
      return { kind, request: toHttpRequest(JSON.parse(payloadJson) as Record<string, unknown>, remainingMs) };
    case 'loadSessionStorage': {
      const [userId, sessionId] = JSON.parse(payloadJson) as unknown[];
      if (!isId(userId) || !isId(sessionId)) {
        throw new TypeError(`getSessionStorage needs a userId and a sessionId of 1 to ${MAX_ID_LENGTH} characters.`);
      }
      return { kind, userId, sessionId };
    }
    default:
      throw new Error(`Unknown host call: ${kind}`);
  }
}

/** The JSON the sandbox parses into the value user code receives. */
export function toGuestJson(call: HostCall, value: unknown): string {
  if (call.kind === 'loadSessionStorage') {
    return JSON.stringify(value !== null && typeof value === 'object' && !Array.isArray(value) ? value : {});
  }
  const response = value as Partial<SandboxHttpResponse>;
  const headers = response.headers ?? {};
  const body = typeof response.body === 'string' ? response.body : '';
  return JSON.stringify({ statusCode: response.statusCode ?? 0, headers, body: parseJsonBody(headers, body) });
}

function toHttpRequest(options: Record<string, unknown>, remainingMs: number) {
  if (typeof options.url !== 'string' || options.url === '') throw new TypeError('httpRequest needs a url string.');
  const method = typeof options.method === 'string' ? options.method.toUpperCase() : 'GET';
  if (!HTTP_METHODS.has(method)) throw new TypeError(`httpRequest does not support the method ${method}.`);
  const headers: Record<string, string> = {};
  if (options.headers !== null && typeof options.headers === 'object') {
    for (const [name, value] of Object.entries(options.headers)) headers[name] = String(value);
  }
  const left = Math.max(1, Math.floor(remainingMs));
  const wanted = typeof options.timeoutMs === 'number' && options.timeoutMs > 0 ? options.timeoutMs : left;
  return {
    method,
    url: options.url,
    headers,
    body: typeof options.body === 'string' ? options.body : undefined,
    timeoutMs: Math.min(wanted, left),
  };
}

function parseJsonBody(headers: Record<string, string>, body: string): unknown {
  const type = Object.entries(headers).find(([name]) => name.toLowerCase() === 'content-type')?.[1] ?? '';
  if (!/\bjson\b/i.test(type) || body === '') return body;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return body;
  }
}

function isId(value: unknown): value is string {
  return typeof value === 'string' && value.length >= 1 && value.length <= MAX_ID_LENGTH;
}
