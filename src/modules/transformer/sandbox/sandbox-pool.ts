import { SandboxClosedError, SandboxOverloadedError, SandboxUnavailableError } from '../transformer.errors.js';
import type { SandboxJob, SandboxOutcome } from './sandbox.protocol.js';
import { SandboxWorkerSlot, type HostCallHandler, type SlotTask } from './sandbox-worker-slot.js';

export interface SandboxPoolOptions {
  size: number;
  memoryLimitBytes: number;
  /** Extra time past a run's deadline before its worker is terminated; default 500 ms. */
  backstopGraceMs?: number;
  /** Runs allowed to wait for a worker; default 1000. */
  maxQueue?: number;
}

interface QueuedTask extends SlotTask {
  reject(error: Error): void;
}

/**
 * A warm pool of sandbox workers. Runs queue in arrival order and go to the first idle worker; a worker that
 * hits a limit, crashes or stops answering is replaced, so one bad run never costs more than its own slot.
 */
export class SandboxPool {
  private readonly slots = new Set<SandboxWorkerSlot>();
  private readonly idle: SandboxWorkerSlot[] = [];
  private readonly queue: QueuedTask[] = [];
  private readonly backstopGraceMs: number;
  private readonly maxQueue: number;
  private nextRunId = 1;
  private closed = false;
  private initFailures = 0;
  private lastInitFailure: string | undefined;
  private respawnTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: SandboxPoolOptions) {
    this.backstopGraceMs = options.backstopGraceMs ?? 500;
    this.maxQueue = options.maxQueue ?? 1000;
    for (let i = 0; i < options.size; i++) this.spawn();
  }

  run(job: SandboxJob, onHostCall: HostCallHandler): Promise<SandboxOutcome> {
    if (this.closed) return Promise.reject(new SandboxClosedError());
    if (this.queue.length >= this.maxQueue) return Promise.reject(new SandboxOverloadedError(this.queue.length));
    if (this.lastInitFailure !== undefined && this.slots.size === 0) {
      return Promise.reject(new SandboxUnavailableError(this.lastInitFailure));
    }
    return new Promise<SandboxOutcome>((resolve, reject) => {
      this.queue.push({ runId: this.nextRunId++, job, onHostCall, resolve, reject });
      this.pump();
    });
  }

  /** Resolves once every current worker has started (or failed to); useful before measuring and in tests. */
  async warmUp(): Promise<void> {
    await Promise.all([...this.slots].map((slot) => slot.started));
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.respawnTimer);
    for (const task of this.queue.splice(0)) task.reject(new SandboxClosedError());
    const slots = [...this.slots];
    this.slots.clear();
    this.idle.length = 0;
    await Promise.all(slots.map((slot) => slot.terminate()));
  }

  private spawn(): void {
    const slot = new SandboxWorkerSlot(
      { bootData: { memoryLimitBytes: this.options.memoryLimitBytes }, backstopGraceMs: this.backstopGraceMs },
      {
        onReady: (ready) => this.onReady(ready),
        onRetired: (retired, initFailure) => this.onRetired(retired, initFailure),
      },
    );
    this.slots.add(slot);
  }

  private onReady(slot: SandboxWorkerSlot): void {
    if (this.closed || !this.slots.has(slot)) return;
    this.initFailures = 0;
    this.lastInitFailure = undefined;
    this.idle.push(slot);
    this.pump();
  }

  private onRetired(slot: SandboxWorkerSlot, initFailure?: string): void {
    if (!this.slots.delete(slot)) return;
    const idleAt = this.idle.indexOf(slot);
    if (idleAt !== -1) this.idle.splice(idleAt, 1);
    if (this.closed) return;
    if (initFailure === undefined) {
      this.spawn();
      return;
    }
    // A worker that cannot even start will not start on the next try either: once no worker is left, fail the
    // waiting runs instead of letting them hang, and retry with a growing delay.
    this.initFailures++;
    this.lastInitFailure = initFailure;
    if (this.slots.size === 0) {
      for (const task of this.queue.splice(0)) task.reject(new SandboxUnavailableError(initFailure));
    }
    const delay = Math.min(30_000, 100 * 2 ** this.initFailures);
    this.respawnTimer = setTimeout(() => {
      if (!this.closed) this.spawn();
    }, delay).unref();
  }

  private pump(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const slot = this.idle.pop();
      const task = this.queue.shift();
      if (slot !== undefined && task !== undefined) slot.dispatch(task);
    }
  }
}
