import { Injectable } from '@nestjs/common';
import { DEFAULT_PAGE_SIZE, type Page } from '../../common/pagination/pagination.js';
import { EndpointDirectory } from '../endpoint-config/endpoint-directory.js';
import type { SessionKey } from '../pipeline/session-key.js';
import {
  decodeSessionCursor,
  decodeTranscriptCursor,
  encodeSessionCursor,
  encodeTranscriptCursor,
} from './conversation-cursors.js';
import { SessionAmbiguousError, SessionNotFoundError } from './conversation.errors.js';
import type { SessionDetailDto, SessionDto, TranscriptEntryDto } from './dto/session.dto.js';
import { SessionsRepository, type SessionRow, type SessionWithState } from './sessions.repository.js';
import { TranscriptRepository } from './transcript.repository.js';
import type { StoredTranscriptEntry } from './conversation-records.js';

export interface SessionSelector {
  endpointId: string;
  sessionId: string;
  userId?: string;
}

/** Sessions API: list an endpoint's conversations, show one with its transcript, erase one. */
@Injectable()
export class SessionsService {
  constructor(
    private readonly sessions: SessionsRepository,
    private readonly transcripts: TranscriptRepository,
    private readonly endpoints: EndpointDirectory,
  ) {}

  async list(
    endpointId: string,
    userId?: string,
    limit = DEFAULT_PAGE_SIZE,
    cursor?: string,
  ): Promise<Page<SessionDto>> {
    await this.endpoints.requireExisting(endpointId);
    const rows = await this.sessions.page(endpointId, userId, decodeSessionCursor(cursor), limit + 1);
    const visible = rows.slice(0, limit);
    const last = visible.at(-1);
    return {
      items: visible.map((row) => toSessionDto(endpointId, row)),
      nextCursor: rows.length > limit && last ? encodeSessionCursor(last) : null,
    };
  }

  async get(selector: SessionSelector, limit = DEFAULT_PAGE_SIZE, cursor?: string): Promise<SessionDetailDto> {
    const session = await this.resolve(selector);
    const key = { endpointId: selector.endpointId, userId: session.userId, sessionId: session.sessionId };
    const entries = await this.transcripts.page(key, decodeTranscriptCursor(cursor), limit + 1);
    const visible = entries.slice(0, limit);
    const last = visible.at(-1);
    return {
      ...toSessionDto(selector.endpointId, session),
      state: session.state ?? null,
      transcript: {
        items: visible.map(toTranscriptEntryDto),
        nextCursor: entries.length > limit && last ? encodeTranscriptCursor(last.position) : null,
      },
    };
  }

  /** Erases everything stored for the conversation (see SessionsRepository.erase). */
  async erase(selector: SessionSelector): Promise<void> {
    await this.endpoints.requireExisting(selector.endpointId);
    // With a userId the key is complete: erase even a conversation whose session row is not there (yet).
    const userId = selector.userId ?? (await this.resolve(selector)).userId;
    const key: SessionKey = { endpointId: selector.endpointId, userId, sessionId: selector.sessionId };
    if (!(await this.sessions.erase(key))) throw new SessionNotFoundError(selector.sessionId);
  }

  private async resolve(selector: SessionSelector): Promise<SessionWithState> {
    await this.endpoints.requireExisting(selector.endpointId);
    const found = await this.sessions.find(selector.endpointId, selector.sessionId, selector.userId, 2);
    if (found.length > 1) throw new SessionAmbiguousError(selector.sessionId);
    const session = found[0];
    if (!session) throw new SessionNotFoundError(selector.sessionId);
    return session;
  }
}

function toSessionDto(endpointId: string, row: SessionRow): SessionDto {
  return {
    endpointId,
    userId: row.userId,
    sessionId: row.sessionId,
    lastSequence: row.lastSequence,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

function toTranscriptEntryDto(entry: StoredTranscriptEntry): TranscriptEntryDto {
  return {
    id: entry.id,
    direction: entry.direction,
    source: entry.source,
    inputId: entry.inputId,
    sequence: entry.sequence,
    text: entry.text,
    data: entry.data,
    intent: entry.intent,
    clientIp: entry.clientIp,
    createdAt: entry.createdAt.toISOString(),
  };
}
