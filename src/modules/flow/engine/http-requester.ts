import type { HttpMethod } from './flow-definition.types.js';

export interface HttpRequestOptions {
  method: HttpMethod;
  url: string;
  headers: Record<string, string>;
  /** Already serialised; absent for GET and HEAD or when the node has no body. */
  body?: string;
  timeoutMs: number;
}

export interface HttpResponseData {
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
  /** The raw response text; the engine parses JSON bodies itself. */
  body: string;
}

/** Performs httpRequest nodes' calls (the SSRF-guarded implementation lives outside the engine). Rejects on network errors and timeouts. */
export interface HttpRequester {
  request(options: HttpRequestOptions): Promise<HttpResponseData>;
}
