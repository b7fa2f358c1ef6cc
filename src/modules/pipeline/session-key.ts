/** One conversation: the unit of ordering. Its messages are processed, and its outputs delivered, in order. */
export interface SessionKey {
  endpointId: string;
  userId: string;
  sessionId: string;
}

/** A collision-free map key (user and session ids are free text and may contain any separator). */
export function sessionKeyString(key: SessionKey): string {
  return JSON.stringify([key.endpointId, key.userId, key.sessionId]);
}
