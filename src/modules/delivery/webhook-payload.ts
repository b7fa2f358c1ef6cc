import type { SessionKey } from '../pipeline/session-key.js';

export interface OutputContent {
  text: string | null;
  data: Record<string, unknown> | null;
}

export interface WebhookPayloadFields {
  key: SessionKey;
  outputId: string;
  sequence: number;
  /** Null for notify outputs, which answer no input. */
  inputId: string | null;
  traceId: string;
  output: OutputContent;
  disableSensitiveLogging: boolean;
  createdAt: Date;
}

/** The body POSTed for one output (CONTRACT.md, Delivery), Cognigy-compatible field names. */
export function buildWebhookPayload(fields: WebhookPayloadFields): Record<string, unknown> {
  return {
    userId: fields.key.userId,
    sessionId: fields.key.sessionId,
    AIOutput: {
      text: fields.output.text,
      data: fields.output.data ?? {},
      traceId: fields.traceId,
      disableSensitiveLogging: fields.disableSensitiveLogging,
      source: 'bot',
    },
    id: fields.outputId,
    sequence: fields.sequence,
    inputId: fields.inputId,
    endpointId: fields.key.endpointId,
    createdAt: fields.createdAt.toISOString(),
  };
}
