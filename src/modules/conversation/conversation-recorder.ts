import { Injectable } from '@nestjs/common';
import type { CommitPart } from '../../database/commit-part.js';
import type { DataProtectionSettings } from '../endpoint-config/endpoint-settings.js';
import { AnalyticsRepository } from './analytics.repository.js';
import { clientIpToStore } from './client-ip.util.js';
import type { AnalyticsEvent, ConversationTurn, RecordSource, TranscriptEntry } from './conversation-records.js';
import { TranscriptRepository } from './transcript.repository.js';

/**
 * The transcript entries and analytics events of processed messages, as the endpoint's data protection settings
 * allow: parts of the message commit (see CommitPart), so a record exists exactly when the message's outcome was
 * committed.
 */
@Injectable()
export class ConversationRecorder {
  constructor(
    private readonly transcripts: TranscriptRepository,
    private readonly analytics: AnalyticsRepository,
  ) {}

  /** The records of many turns (of any sessions), one part per table. */
  commitParts(turns: ReadonlyArray<{ dataProtection: DataProtectionSettings; turn: ConversationTurn }>): CommitPart[] {
    const transcriptRows = turns
      .filter(({ dataProtection }) => dataProtection.useConversations)
      .flatMap(({ dataProtection, turn }) =>
        transcriptEntries(turn, dataProtection).map((entry) => ({ key: turn.key, entry })),
      );
    const analyticsRows = turns
      .filter(({ dataProtection }) => dataProtection.useAnalytics)
      .flatMap(({ dataProtection, turn }) =>
        analyticsEvents(turn, dataProtection).map((event) => ({ key: turn.key, event })),
      );
    return [this.transcripts.insertPart(transcriptRows), this.analytics.insertPart(analyticsRows)];
  }
}

function inputSource(turn: ConversationTurn): RecordSource | null {
  switch (turn.message.kind) {
    case 'message':
      return 'user';
    case 'inject':
      return 'inject';
    case 'notify':
      return null; // notify has no user input: only its output is recorded
  }
}

function outputSource(turn: ConversationTurn): RecordSource {
  return turn.message.kind === 'notify' ? 'notify' : 'bot';
}

export function transcriptEntries(turn: ConversationTurn, dataProtection: DataProtectionSettings): TranscriptEntry[] {
  const entries: TranscriptEntry[] = [];
  const source = inputSource(turn);
  if (source) {
    entries.push({
      id: turn.message.id,
      direction: 'input',
      source,
      inputId: null,
      sequence: null,
      text: turn.message.text,
      data: turn.message.data,
      intent: turn.intent?.name ?? null,
      // Masked again here: idempotent, and covers a maskIPAddress switched on after the message was accepted.
      clientIp: clientIpToStore(turn.message.clientIp, dataProtection),
    });
  }
  for (const output of turn.outputs) {
    entries.push({
      id: output.id,
      direction: 'output',
      source: outputSource(turn),
      inputId: output.inputId,
      sequence: output.sequence,
      text: output.content.text,
      data: output.content.data,
      intent: null,
      clientIp: null,
    });
  }
  return entries;
}

/**
 * The analytics event of a turn: one per processed message, as analytics platforms record an input and what came of
 * it. It holds the input (user or inject) with the number of outputs it led to; a notify has no input, so its event
 * is its output (none when a transformer skipped it). The outputs' content is the transcript's.
 */
export function analyticsEvents(turn: ConversationTurn, dataProtection: DataProtectionSettings): AnalyticsEvent[] {
  // maskAnalytics: the events keep counts, intents and timing, never what was said.
  const content = (text: string | null, data: Record<string, unknown> | null) =>
    dataProtection.maskAnalytics ? { text: null, data: null } : { text, data };
  const source = inputSource(turn);
  if (source) {
    return [
      {
        kind: 'input',
        source,
        messageId: turn.message.id,
        intent: turn.intent?.name ?? null,
        intentScore: turn.intent?.score ?? null,
        ...content(turn.message.text, turn.message.data),
        clientIp: clientIpToStore(turn.message.clientIp, dataProtection),
        outputCount: turn.outputs.length,
      },
    ];
  }
  return turn.outputs.slice(0, 1).map((output) => ({
    kind: 'output',
    source: outputSource(turn),
    messageId: output.id,
    intent: null,
    intentScore: null,
    ...content(output.content.text, output.content.data),
    clientIp: null,
    outputCount: turn.outputs.length,
  }));
}
