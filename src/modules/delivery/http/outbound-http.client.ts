import type { Readable } from 'node:stream';
import { AxiosHeaders, type AxiosInstance, type AxiosRequestConfig, type AxiosResponse } from 'axios';
import type { GuardedAgents } from './guarded-agent.js';
import {
  exchange,
  outgoingBody,
  readCapped,
  type ExchangeContext,
  type OutboundRequest,
  type OutboundResponse,
  type ReceivedResponse,
} from './outbound-http.shared.js';

export {
  DEFAULT_MAX_RESPONSE_BYTES,
  type OutboundErrorCode,
  type OutboundRequest,
  type OutboundResponse,
} from './outbound-http.shared.js';

/**
 * Sends one HTTP request through the SSRF-guarded agents and reports the outcome as a value:
 * any status is a response (redirects are returned, never followed), and network failures are
 * classified instead of thrown, so callers can record every attempt the same way. Serves the
 * flow and transformer `httpRequest`s (any method); webhooks go through the leaner `WebhookPoster`.
 */
export class OutboundHttpClient {
  constructor(
    private readonly http: AxiosInstance,
    private readonly agents: GuardedAgents,
  ) {}

  post(request: Omit<OutboundRequest, 'method'>): Promise<OutboundResponse> {
    return this.request({ ...request, method: 'POST' });
  }

  request(request: OutboundRequest): Promise<OutboundResponse> {
    return exchange(request, (context) => this.send(request, context));
  }

  private async send(request: OutboundRequest, { deadline, maxBytes }: ExchangeContext): Promise<ReceivedResponse> {
    const response = await this.http.request<Readable>(this.config(request, deadline.toSignal()));
    return {
      statusCode: response.status,
      headers: flattenHeaders(response.headers),
      body: readCapped(response.data, maxBytes, deadline),
    };
  }

  /** Every option that affects safety is set here, overriding whatever the shared instance defaults to. */
  private config(request: OutboundRequest, signal: AbortSignal): AxiosRequestConfig {
    const { headers, body } = outgoingBody(request);
    return {
      method: request.method ?? 'POST',
      url: request.url,
      headers,
      data: body,
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

function flattenHeaders(headers: AxiosResponse['headers']): Record<string, string> {
  return AxiosHeaders.from(headers as AxiosHeaders).toJSON(true);
}
