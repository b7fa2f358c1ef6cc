import { ValidationFailedError } from '../../common/errors/common.errors.js';
import type { SessionPosition } from './sessions.repository.js';

/** Opaque list cursors of the sessions API (base64url JSON), rejected with 400 when tampered with. */

export function encodeSessionCursor(position: SessionPosition): string {
  return toBase64Url([position.createdAt.toISOString(), position.userId, position.sessionId]);
}

export function decodeSessionCursor(cursor: string | undefined): SessionPosition | null {
  if (cursor === undefined) return null;
  const value = fromBase64Url(cursor);
  if (Array.isArray(value) && value.length === 3 && value.every((part) => typeof part === 'string')) {
    const [iso, userId, sessionId] = value as [string, string, string];
    const createdAt = new Date(iso);
    if (!Number.isNaN(createdAt.getTime())) return { createdAt, userId, sessionId };
  }
  throw badCursor();
}

export function encodeTranscriptCursor(position: string): string {
  return toBase64Url(['t', position]);
}

export function decodeTranscriptCursor(cursor: string | undefined): string | null {
  if (cursor === undefined) return null;
  const value = fromBase64Url(cursor);
  if (Array.isArray(value) && value[0] === 't' && typeof value[1] === 'string' && /^\d{1,19}$/.test(value[1])) {
    return value[1];
  }
  throw badCursor();
}

function toBase64Url(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

function fromBase64Url(cursor: string): unknown {
  try {
    return JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badCursor();
  }
}

function badCursor(): ValidationFailedError {
  return new ValidationFailedError([{ field: 'cursor', message: 'is not a cursor returned by this list' }]);
}
