/** A counting semaphore whose limit can change (an endpoint's maxConcurrency may be edited at run time). */
export class Semaphore {
  private inUse = 0;
  private readonly waiters: Array<() => void> = [];

  constructor(public limit: number) {}

  async acquire(): Promise<void> {
    if (this.inUse < this.limit) {
      this.inUse++;
      return;
    }
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  release(): void {
    this.inUse--;
    while (this.inUse < this.limit && this.waiters.length > 0) {
      this.inUse++;
      this.waiters.shift()?.();
    }
  }

  get waiting(): number {
    return this.waiters.length;
  }

  get active(): number {
    return this.inUse;
  }
}
