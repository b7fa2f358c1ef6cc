import type http from 'node:http';
import type { Dispatcher } from 'undici';
import type { GuardedAgents } from './guarded-agent.js';
import {
  exchange,
  outgoingBody,
  type Deadline,
  type ExchangeContext,
  type OutboundRequest,
  type OutboundResponse,
  type ReceivedResponse,
} from './outbound-http.shared.js';

type WebhookRequest = Omit<OutboundRequest, 'method'>;

/**
 * POSTs webhooks on undici's dispatcher (the SSRF-guarded one, see createGuardedAgents), with the semantics and the
 * result of `OutboundHttpClient.post` (both run the same `exchange`). The cheapest sender measured
 * (bench/http-client.mjs, 32 POSTs in flight to a loopback receiver): about 50 µs of CPU per POST, against 155 µs on
 * node:http with the same guard and 290–360 µs through axios (config merging, header objects, adapter plumbing).
 * The body is taken chunk by chunk in a dispatch handler; undici's `request` and its body stream cost more.
 *
 * What differs from the axios client is on the wire, never in the result:
 * - no `Accept-Encoding`, so nothing is decompressed: only the first few KB of a body are kept, for the
 *   delivery log, and inflating them is not worth it. A receiver that compresses anyway has its body logged raw
 *   (axios asks for and decompresses gzip, deflate and br);
 * - no `Accept: application/json, text/plain, *\/*` and no `User-Agent: axios/<version>` defaults; the caller
 *   sets the headers it wants (the delivery worker sends its own User-Agent);
 * - a header value undici refuses (a control character) fails the request as 'other' where axios strips it.
 */
export class WebhookPoster {
  constructor(private readonly agents: GuardedAgents) {}

  post(request: WebhookRequest): Promise<OutboundResponse> {
    return exchange(request, (context) => this.send(request, context));
  }

  private send(request: WebhookRequest, { url, deadline, maxBytes }: ExchangeContext): Promise<ReceivedResponse> {
    const { headers, body } = outgoingBody(request);
    const auth = urlCredentials(url);
    // Like axios: credentials in the URL replace an Authorization header.
    if (auth !== undefined) {
      deleteHeader(headers, 'authorization');
      headers.authorization = `Basic ${Buffer.from(auth, 'utf8').toString('base64')}`;
    }
    return new Promise((resolve, reject) => {
      const handler = new CappedResponseHandler(maxBytes, deadline, resolve, reject);
      const options = { origin: url.origin, path: url.pathname + url.search, method: 'POST', headers, body };
      try {
        this.agents.dispatcher.dispatch(options, handler);
      } catch (error) {
        handler.onResponseError(null, error as Error);
      }
    });
  }
}

const DEADLINE_PASSED = new Error('deadline reached');

/**
 * Takes one response off undici. The status line and headers settle the request (`onResponse`); the body, read
 * alongside, keeps its first `maxBytes` bytes. A failure before the status line is the request's (`onFailure`);
 * after it, the status stands and the body keeps what came. The deadline aborts a request still waiting for its
 * status (also one still connecting: undici hands out the controller only once it writes the request), and cuts a
 * body off. Reaching the cap aborts the rest, which drops the connection, unless the response ended in the same
 * read: then the connection is whole and goes back to the pool.
 */
class CappedResponseHandler implements Dispatcher.DispatchHandler {
  /** Waiting for the status line; reading the body; or settled (the body too, or the request failed). */
  private state: 'waiting' | 'reading' | 'settled' = 'waiting';
  private controller: Dispatcher.DispatchController | null = null;
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private ended = false;
  private resolveBody: (body: Buffer) => void = () => {};
  private readonly cancelExpiry: () => void;

  constructor(
    private readonly maxBytes: number,
    deadline: Deadline,
    private readonly onResponse: (response: ReceivedResponse) => void,
    private readonly onFailure: (error: Error) => void,
  ) {
    this.cancelExpiry = deadline.onExpiry(() => this.expire());
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.state === 'settled') controller.abort(DEADLINE_PASSED);
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: http.IncomingHttpHeaders,
  ): void {
    if (this.state !== 'waiting') return;
    this.state = 'reading';
    const body = new Promise<Buffer>((resolve) => (this.resolveBody = resolve));
    this.onResponse({ statusCode, headers: flattenHeaders(headers), body });
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.state !== 'reading') return;
    const kept = chunk.subarray(0, this.maxBytes - this.size);
    this.chunks.push(kept);
    this.size += kept.length;
    if (this.size < this.maxBytes) return;
    this.settleBody();
    // A response that arrived whole ends within the same read, before this runs.
    queueMicrotask(() => {
      if (!this.ended) controller.abort(new Error('response body cap reached'));
    });
  }

  onResponseEnd(): void {
    this.ended = true;
    this.settleBody();
  }

  onResponseError(_controller: Dispatcher.DispatchController | null, error: Error): void {
    this.ended = true;
    if (this.state === 'reading') this.settleBody();
    else this.fail(error);
  }

  private expire(): void {
    if (this.state === 'reading') this.settleBody();
    else this.fail(DEADLINE_PASSED);
    if (!this.ended) this.controller?.abort(DEADLINE_PASSED);
  }

  private settleBody(): void {
    if (this.state !== 'reading') return;
    this.state = 'settled';
    this.cancelExpiry();
    this.resolveBody(Buffer.concat(this.chunks, this.size));
  }

  private fail(error: Error): void {
    if (this.state !== 'waiting') return;
    this.state = 'settled';
    this.cancelExpiry();
    this.onFailure(error);
  }
}

/** `user:password` from the URL, percent-decoded as axios does (a malformed escape is kept as written). */
function urlCredentials(url: URL): string | undefined {
  if (!url.username && !url.password) return undefined;
  return `${decodeSafely(url.username)}:${decodeSafely(url.password)}`;
}

function decodeSafely(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function deleteHeader(headers: Record<string, string>, lowerName: string): void {
  for (const name of Object.keys(headers)) {
    if (name.toLowerCase() === lowerName) delete headers[name];
  }
}

/** Node joins repeated headers with ', ' except `set-cookie`, which stays a list: joined here as axios does. */
function flattenHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const flat = Object.create(null) as Record<string, string>;
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}
