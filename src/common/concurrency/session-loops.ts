import { sessionKeyString, type SessionKey } from '../../modules/pipeline/session-key.js';

/**
 * Runs at most one loop per session at a time in this process. A kick while the session's loop runs is
 * remembered and starts one more run after it, so work committed during a run is never missed; a loop may also
 * wait for that kick itself (`nextKick`) and go on, instead of ending and being started again. A kick may carry a
 * `start` value for the loop it starts; a kick that starts none (the loop runs, or stopping) drops it, and the run
 * a remembered kick starts gets none.
 */
export class SessionLoops<Start = never> {
  private readonly running = new Map<string, Promise<void>>();
  private readonly kickedWhileRunning = new Set<string>();
  private readonly waiting = new Map<string, (kicked: boolean) => void>();
  private stopped = false;

  constructor(
    private readonly loop: (key: SessionKey, start?: Start) => Promise<void>,
    private readonly onError: (key: SessionKey, error: unknown) => void,
  ) {}

  get isStopped(): boolean {
    return this.stopped;
  }

  /** True when it started the session's loop (with `start`). */
  kick(key: SessionKey, start?: Start): boolean {
    if (this.stopped) return false;
    const id = sessionKeyString(key);
    if (this.running.has(id)) {
      const wake = this.waiting.get(id);
      if (wake) wake(true);
      else this.kickedWhileRunning.add(id);
      return false;
    }
    const run = this.loop(key, start)
      .catch((error: unknown) => this.onError(key, error))
      .finally(() => {
        this.running.delete(id);
        if (this.kickedWhileRunning.delete(id)) this.kick(key);
      });
    this.running.set(id, run);
    return true;
  }

  /**
   * For the session's running loop: resolves true on the session's next kick (at once if one came while the loop
   * was busy), false after `timeoutMs` or when stopping.
   */
  nextKick(key: SessionKey, timeoutMs: number): Promise<boolean> {
    const id = sessionKeyString(key);
    if (this.kickedWhileRunning.delete(id)) return Promise.resolve(true);
    if (this.stopped) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => wake(false), timeoutMs).unref();
      const wake = (kicked: boolean): void => {
        clearTimeout(timer);
        this.waiting.delete(id);
        resolve(kicked);
      };
      this.waiting.set(id, wake);
    });
  }

  /** Takes no more kicks, wakes the loops that wait for one, and waits (at most `graceMs`) for the loops to end. */
  async stop(graceMs: number): Promise<void> {
    this.stopped = true;
    for (const wake of [...this.waiting.values()]) wake(false);
    const grace = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref());
    await Promise.race([Promise.allSettled(this.running.values()), grace]);
  }
}
