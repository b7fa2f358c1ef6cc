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
  /** Runs a worker may have at once, the running one included; default 8. 1 turns pipelining off. */
  pipelineDepth?: number;
}

/**
 * A warm pool of sandbox workers. Runs queue in arrival order and go to the least loaded worker; a worker that
 * hits a limit, crashes or stops answering is replaced, so one bad run never costs more than its own slot.
 *
 * Pipelining: when runs wait, a worker gets up to `pipelineDepth` of them in one message and does them back
 * to back, instead of waiting for the main thread between runs (a busy server's event loop would otherwise
 * leave the workers idle). A worker whose current run turns slow hands the others back (sandbox.worker.ts),
 * and takes none until that run ends, so a slow run delays no one else for long; runs a retired worker never
 * started go back to the front of the queue.
 */
export class SandboxPool {
  private readonly slots = new Set<SandboxWorkerSlot>();
  private readonly queue: SlotTask[] = [];
  private readonly backstopGraceMs: number;
  private readonly maxQueue: number;
  private readonly pipelineDepth: number;
  private nextRunId = 1;
  private closed = false;
  private initFailures = 0;
  private lastInitFailure: string | undefined;
  private respawnTimer: NodeJS.Timeout | undefined;
  private spawned = false;

  constructor(private readonly options: SandboxPoolOptions) {
    this.backstopGraceMs = options.backstopGraceMs ?? 500;
    this.maxQueue = options.maxQueue ?? 1000;
    this.pipelineDepth = Math.max(1, options.pipelineDepth ?? 8);
  }

  run(job: SandboxJob, onHostCall: HostCallHandler): Promise<SandboxOutcome> {
    if (this.closed) return Promise.reject(new SandboxClosedError());
    this.spawnWorkers();
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
    this.spawnWorkers();
    await Promise.all([...this.slots].map((slot) => slot.started));
  }

  /**
   * Workers start with the first run (or warmUp), not with the app: an instance whose endpoints use no transformer
   * or code node never pays their memory (about 12 MB each) nor their start-up, which competes with the app's own.
   * The first run waits for them, a few hundred milliseconds.
   */
  private spawnWorkers(): void {
    if (this.spawned) return;
    this.spawned = true;
    for (let i = 0; i < this.options.size; i++) this.spawn();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.respawnTimer);
    for (const task of this.queue.splice(0)) task.reject(new SandboxClosedError());
    const slots = [...this.slots];
    this.slots.clear();
    await Promise.all(slots.map((slot) => slot.terminate()));
  }

  private spawn(): void {
    const slot = new SandboxWorkerSlot(
      { bootData: { memoryLimitBytes: this.options.memoryLimitBytes }, backstopGraceMs: this.backstopGraceMs },
      {
        onReady: () => this.onReady(),
        onReturned: (_slot, tasks) => this.requeue(tasks),
        onRetired: (retired, initFailure, unstarted) => this.onRetired(retired, initFailure, unstarted),
      },
    );
    this.slots.add(slot);
  }

  private onReady(): void {
    if (this.closed) return;
    this.initFailures = 0;
    this.lastInitFailure = undefined;
    this.pump();
  }

  private requeue(tasks: SlotTask[]): void {
    if (this.closed) {
      for (const task of tasks) task.reject(new SandboxClosedError());
      return;
    }
    this.queue.unshift(...tasks);
    this.pump();
  }

  private onRetired(slot: SandboxWorkerSlot, initFailure: string | undefined, unstarted: SlotTask[]): void {
    if (!this.slots.delete(slot)) {
      // Closing: the pool forgot its slots first.
      for (const task of unstarted) task.reject(new SandboxClosedError());
      return;
    }
    if (this.closed) return;
    this.queue.unshift(...unstarted);
    if (initFailure === undefined) {
      this.spawn();
      this.pump();
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

  /** Each waiting run goes to the accepting worker with the fewest runs; each worker gets its share in one message. */
  private pump(): void {
    if (this.queue.length === 0) return;
    const batches = new Map<SandboxWorkerSlot, SlotTask[]>();
    while (this.queue.length > 0) {
      let target: SandboxWorkerSlot | undefined;
      let targetLoad = this.pipelineDepth;
      for (const slot of this.slots) {
        const load = slot.load + (batches.get(slot)?.length ?? 0);
        if (slot.accepting && load < targetLoad) {
          target = slot;
          targetLoad = load;
        }
      }
      if (target === undefined) break;
      const batch = batches.get(target) ?? [];
      batch.push(this.queue.shift() as SlotTask);
      batches.set(target, batch);
    }
    for (const [slot, batch] of batches) slot.dispatch(batch);
  }
}
