/** Runs `task` every `intervalMs`, never two at once (a slow run makes the next tick skip). */
export class PeriodicTask {
  private timer: NodeJS.Timeout | undefined;
  private busy = false;

  constructor(
    private readonly intervalMs: number,
    private readonly task: () => Promise<void>,
    private readonly onError: (error: unknown) => void,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.tick(), this.intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      await this.task();
    } catch (error) {
      this.onError(error);
    } finally {
      this.busy = false;
    }
  }
}
