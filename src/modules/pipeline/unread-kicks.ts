import type { PendingMessage } from './inbox.repository.js';

/** Past this many, the ids of messages taken before their kick are dropped (a kick then costs one read). */
const MAX_TAKEN = 1_000;

interface SessionKicks {
  /** Kicked messages the loop has not taken into hand yet, with the message when it was alone (see `alone`). */
  waiting: Map<string, PendingMessage | null>;
  /** A kick without a message id (a sweep, a retry): only a read can tell what it is about. */
  unknown: boolean;
  /** Messages taken into hand before their kick came. */
  taken: Set<string>;
}

/**
 * Per session, the kicks (accepted messages) its loop has not answered yet, so that it reads the inbox only when a
 * kick may be about a message it does not already hold. The message commit hands the loop the session's next
 * pending messages, and the kicks of those, arriving afterwards, need no read.
 */
export class UnreadKicks {
  private readonly sessions = new Map<string, SessionKicks>();

  /**
   * Records a kick; false when it is about a message the loop already took (nothing new to read). `alone`: the
   * message itself, given when it was its session's only pending message as it was committed.
   */
  add(session: string, messageId?: string, alone?: PendingMessage): boolean {
    const kicks = this.entry(session);
    if (messageId === undefined) kicks.unknown = true;
    else if (kicks.taken.delete(messageId)) return false;
    else kicks.waiting.set(messageId, alone ?? null);
    return true;
  }

  /**
   * The message to go on with, without reading the inbox, when the only unread kick is about a message that was
   * alone: nothing else of the session was pending when it was committed, so it is the session's next message
   * (others accepted since come after it, and the commit of this one returns them).
   */
  alone(session: string): PendingMessage | null {
    const kicks = this.sessions.get(session);
    if (!kicks || kicks.unknown || kicks.waiting.size !== 1) return null;
    const [message] = kicks.waiting.values();
    return message;
  }

  /** The loop is about to read the inbox: every kick so far is answered by what it finds. */
  reading(session: string): void {
    const kicks = this.sessions.get(session);
    if (!kicks) return;
    kicks.waiting.clear();
    kicks.unknown = false;
  }

  /** The loop took these messages into hand (from a read or from a commit). */
  took(session: string, messageIds: readonly string[]): void {
    const kicks = this.entry(session);
    for (const id of messageIds) {
      if (kicks.waiting.delete(id)) continue;
      if (kicks.taken.size >= MAX_TAKEN) kicks.taken.clear();
      kicks.taken.add(id);
    }
  }

  /** Whether a kick may be about a message the loop does not hold. */
  hasUnread(session: string): boolean {
    const kicks = this.sessions.get(session);
    return kicks !== undefined && (kicks.unknown || kicks.waiting.size > 0);
  }

  /** The session's loop ended; the next one starts with a read. */
  forget(session: string): void {
    this.sessions.delete(session);
  }

  private entry(session: string): SessionKicks {
    let kicks = this.sessions.get(session);
    if (!kicks) {
      kicks = { waiting: new Map(), unknown: false, taken: new Set() };
      this.sessions.set(session, kicks);
    }
    return kicks;
  }
}
