import http from 'node:http';
import https from 'node:https';
import type { GuardedAgents } from './guarded-agent.js';
import {
  exchange,
  outgoingBody,
  type ExchangeContext,
  type OutboundRequest,
  type OutboundResponse,
  type ReceivedResponse,
} from './outbound-http.shared.js';

type WebhookRequest = Omit<OutboundRequest, 'method'>;

/**
 * POSTs webhooks straight on node:http(s) through the SSRF-guarded agents, with the semantics and the result of
 * `OutboundHttpClient.post` (both run the same `exchange`), minus axios's per-call cost (config merging, header
 * objects, adapter plumbing: about 0.25 ms of CPU per POST in profiles of the delivery path).
 *
 * What differs from the axios client is on the wire, never in the result:
 * - no `Accept-Encoding`, so nothing is decompressed: only the first few KB of a body are kept, for the
 *   delivery log, and inflating them is not worth it. A receiver that compresses anyway has its body logged raw
 *   (axios asks for and decompresses gzip, deflate and br);
 * - no `Accept: application/json, text/plain, *\/*` and no `User-Agent: axios/<version>` defaults; the caller
 *   sets the headers it wants (the delivery worker sends its own User-Agent);
 * - a header value Node refuses (a control character) fails the request as 'other' where axios strips it.
 */
export class WebhookPoster {
  constructor(private readonly agents: GuardedAgents) {}

  post(request: WebhookRequest): Promise<OutboundResponse> {
    return exchange(request, (context) => this.send(request, context));
  }

  private send(request: WebhookRequest, { url, deadline, readBody }: ExchangeContext): Promise<ReceivedResponse> {
    const { headers, body } = outgoingBody(request);
    if (body) headers['content-length'] = String(body.length);
    const auth = urlCredentials(url);
    // Like axios: credentials in the URL replace an Authorization header.
    if (auth !== undefined) deleteHeader(headers, 'authorization');
    const secure = url.protocol === 'https:';
    const options: https.RequestOptions = {
      protocol: url.protocol,
      hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
      port: url.port,
      path: url.pathname + url.search,
      method: 'POST',
      headers,
      auth,
      // The guarded agents check the address actually dialled; no proxy and no socketPath are ever used.
      agent: secure ? this.agents.httpsAgent : this.agents.httpAgent,
    };
    return new Promise((resolve, reject) => {
      const req = (secure ? https : http).request(options, (res) => {
        // From here the deadline cuts the body off (in `readBody`) and the status stands.
        cancelAbort();
        resolve({ statusCode: res.statusCode ?? 0, headers: flattenHeaders(res.headers), body: readBody(res) });
      });
      const cancelAbort = deadline.onExpiry(() => req.destroy(new Error('deadline reached')));
      req.on('error', reject);
      req.end(body);
    });
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
