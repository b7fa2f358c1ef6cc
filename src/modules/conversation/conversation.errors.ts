import { DomainError } from '../../common/errors/domain-error.js';

export enum ConversationErrorCode {
  SessionNotFound = 'session-not-found',
  SessionAmbiguous = 'session-ambiguous',
  AnalyticsRangeInvalid = 'analytics-range-invalid',
}

export class SessionNotFoundError extends DomainError {
  constructor(sessionId: string) {
    super(
      'not_found',
      ConversationErrorCode.SessionNotFound,
      `No session ${JSON.stringify(sessionId)} on this endpoint.`,
    );
  }
}

/** Without `userId`, a sessionId used by several users names no single conversation. */
export class SessionAmbiguousError extends DomainError {
  constructor(sessionId: string) {
    super(
      'conflict',
      ConversationErrorCode.SessionAmbiguous,
      `Several users have a session ${JSON.stringify(sessionId)} on this endpoint; pass userId to choose one.`,
    );
  }
}

export class AnalyticsRangeInvalidError extends DomainError {
  constructor() {
    super('invalid', ConversationErrorCode.AnalyticsRangeInvalid, '`from` must be before `to`.', [
      { field: 'from', message: 'must be before to' },
    ]);
  }
}
