import type { SessionKey } from '../pipeline/session-key.js';

/**
 * A statement runner bound to the caller's open transaction. TypeORM's EntityManager is one; the conversation
 * records are written through it so they commit (or roll back) with the session state and the outbox rows.
 */
export interface TransactionQuery {
  query(text: string, parameters: unknown[]): Promise<unknown>;
}

/** Who produced a transcript entry: the user, an inject call, the flow, or a notify call. */
export type RecordSource = 'user' | 'inject' | 'bot' | 'notify';

export type RecordDirection = 'input' | 'output';

export interface RecordedContent {
  text: string | null;
  data: Record<string, unknown> | null;
}

/** One processed inbound message and what it led to, as the session executor commits it. */
export interface ConversationTurn {
  key: SessionKey;
  message: {
    id: string;
    kind: 'message' | 'inject' | 'notify';
    text: string | null;
    data: Record<string, unknown> | null;
    clientIp: string | null;
  };
  /** What the NLU made of the input (null when it found nothing or did not run). */
  intent: { name: string; score: number | null } | null;
  outputs: Array<{ id: string; sequence: number; inputId: string | null; content: RecordedContent }>;
}

export interface TranscriptEntry {
  id: string;
  direction: RecordDirection;
  source: RecordSource;
  inputId: string | null;
  sequence: number | null;
  text: string | null;
  data: Record<string, unknown> | null;
  intent: string | null;
  clientIp: string | null;
}

export interface StoredTranscriptEntry extends TranscriptEntry {
  position: string;
  createdAt: Date;
}

/** One processed message: its input, or for notify (which has none) its output. */
export interface AnalyticsEvent {
  kind: RecordDirection;
  source: RecordSource;
  messageId: string | null;
  intent: string | null;
  intentScore: number | null;
  text: string | null;
  data: Record<string, unknown> | null;
  clientIp: string | null;
  /** The outputs the message sent (a notify: its own, or none when a transformer skipped it). */
  outputCount: number;
}
