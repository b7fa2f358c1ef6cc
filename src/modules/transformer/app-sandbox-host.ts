import { Injectable } from '@nestjs/common';
import { OutboundHttpClient } from '../delivery/http/outbound-http.client.js';
import { SessionStorageRepository } from './session-storage.repository.js';
import type { SandboxHost, SandboxHttpRequest, SandboxHttpResponse } from './transformer.types.js';

/** A transformer reads at most this much of an `httpRequest` response; the rest is never downloaded. */
export const SANDBOX_HTTP_MAX_RESPONSE_BYTES = 1024 * 1024;

/**
 * What user code may ask of the application. `httpRequest` goes through the app's SSRF-guarded client (the
 * address dialled is the one checked; no redirects, no proxies); a refusal or network failure rejects the
 * user's promise with the reason.
 */
@Injectable()
export class AppSandboxHost implements SandboxHost {
  constructor(
    private readonly http: OutboundHttpClient,
    private readonly storage: SessionStorageRepository,
  ) {}

  async httpRequest(req: SandboxHttpRequest): Promise<SandboxHttpResponse> {
    const response = await this.http.request({
      method: req.method,
      url: req.url,
      headers: req.headers,
      body: req.body,
      timeoutMs: req.timeoutMs,
      maxResponseBytes: SANDBOX_HTTP_MAX_RESPONSE_BYTES,
    });
    if (!response.ok) throw new Error(`httpRequest to ${safeUrl(req.url)} failed: ${response.error}`);
    return { statusCode: response.statusCode, headers: response.headers, body: response.bodyText };
  }

  loadSessionStorage(endpointId: string, userId: string, sessionId: string): Promise<Record<string, unknown>> {
    return this.storage.load(endpointId, userId, sessionId);
  }
}

/** The URL without credentials or query, for messages that end up in logs. */
function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return 'an invalid URL';
  }
}
