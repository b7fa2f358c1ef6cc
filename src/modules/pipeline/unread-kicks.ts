/** Past this many, the ids of messages taken before their kick are dropped (a kick then costs one read). */
const MAX_TAKEN = 1_000;

interface SessionKicks {
  /** Kicked messages the loop has not taken into hand yet. */
  waiting: Set<string>;
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

  /** Records a kick; false when it is about a message the loop already took (nothing new to read). */
  add(session: string, messageId?: string): boolean {
    const kicks = this.entry(session);
    if (messageId === undefined) kicks.unknown = true;
    else if (kicks.taken.delete(messageId)) return false;
    else kicks.waiting.add(messageId);
    return true;
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
      kicks = { waiting: new Set(), unknown: false, taken: new Set() };
      this.sessions.set(session, kicks);
    }
    return kicks;
  }
}
