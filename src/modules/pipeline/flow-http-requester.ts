import { Injectable } from '@nestjs/common';
import { OutboundHttpClient } from '../delivery/http/outbound-http.client.js';
import type { HttpRequester, HttpRequestOptions, HttpResponseData } from '../flow/engine/index.js';

/** httpRequest nodes go through the same SSRF-guarded client as webhooks. */
@Injectable()
export class FlowHttpRequester implements HttpRequester {
  constructor(private readonly http: OutboundHttpClient) {}

  async request(options: HttpRequestOptions): Promise<HttpResponseData> {
    const response = await this.http.request({
      method: options.method,
      url: options.url,
      headers: options.headers,
      body: options.body,
      timeoutMs: options.timeoutMs,
      maxResponseBytes: 1024 * 1024,
    });
    if (!response.ok) throw new Error(response.error);
    return { status: response.statusCode, headers: response.headers, body: response.bodyText };
  }
}
