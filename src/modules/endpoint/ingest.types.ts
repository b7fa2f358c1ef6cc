/** The shapes ingestion works with, free of the HTTP transport. */

/** A message as stored in the inbox (validated). */
export interface InboundMessage {
  userId: string;
  sessionId: string;
  text?: string;
  data?: Record<string, unknown> | null;
}

export type IngestResult = { status: 'accepted'; messageId: string } | { status: 'dropped' };

/** An HTTP request to an endpoint URL: what the service and the input transformer see. */
export interface InboundHttpRequest {
  method: string;
  /** Without the query string. */
  path: string;
  query: Record<string, unknown>;
  /** Lower-case names, as Node.js gives them. */
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON, a form as an object, any other content as text; undefined without a body. */
  body: unknown;
  /** The client's address as the server sees it (the proxy's, unless trustProxy is configured). */
  clientIp?: string;
}

/** An answer an input transformer wrote itself (through `response`). */
export interface InboundReply {
  statusCode: number;
  /** Lower-case names. */
  headers: Record<string, string>;
  body?: unknown;
}

export interface ReceiveOutcome {
  result: IngestResult;
  /** Set when a transformer answered the request itself: sent instead of `202 result`. */
  reply?: InboundReply;
}
