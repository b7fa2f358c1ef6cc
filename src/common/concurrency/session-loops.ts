import { sessionKeyString, type SessionKey } from '../../modules/pipeline/session-key.js';

/**
 * Runs at most one loop per session at a time in this process. A kick while the session's loop runs is
 * remembered and starts one more run after it, so work committed during a run is never missed.
 */
export class SessionLoops {
  private readonly running = new Map<string, Promise<void>>();
  private readonly kickedWhileRunning = new Set<string>();
  private stopped = false;

  constructor(
    private readonly loop: (key: SessionKey) => Promise<void>,
    private readonly onError: (key: SessionKey, error: unknown) => void,
  ) {}

  get isStopped(): boolean {
    return this.stopped;
  }

  kick(key: SessionKey): void {
    if (this.stopped) return;
    const id = sessionKeyString(key);
    if (this.running.has(id)) {
      this.kickedWhileRunning.add(id);
      return;
    }
    const run = this.loop(key)
      .catch((error: unknown) => this.onError(key, error))
      .finally(() => {
        this.running.delete(id);
        if (this.kickedWhileRunning.delete(id)) this.kick(key);
      });
    this.running.set(id, run);
  }

  /** Takes no more kicks and waits (at most `graceMs`) for the running loops to end. */
  async stop(graceMs: number): Promise<void> {
    this.stopped = true;
    const grace = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref());
    await Promise.race([Promise.allSettled(this.running.values()), grace]);
  }
}
