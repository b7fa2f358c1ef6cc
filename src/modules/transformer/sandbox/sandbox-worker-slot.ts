import type { Worker } from 'node:worker_threads';
import type { RunErrorKind } from '../transformer.types.js';
import { errorMessage } from './error-location.js';
import type {
  FromWorkerMessage,
  HostCall,
  SandboxJob,
  SandboxOutcome,
  ToWorkerMessage,
  WorkerBootData,
} from './sandbox.protocol.js';
import { launchSandboxWorker } from './worker-launcher.js';

export type HostCallHandler = (call: HostCall) => Promise<unknown>;

export interface SlotTask {
  runId: number;
  job: SandboxJob;
  onHostCall: HostCallHandler;
  resolve(outcome: SandboxOutcome): void;
  reject(error: Error): void;
}

export interface SlotEvents {
  /** The slot can take (more) work: it started, or a run of it ended. */
  onReady(slot: SandboxWorkerSlot): void;
  /** Runs the worker gave back without starting them, because its current run is slow. */
  onReturned(slot: SandboxWorkerSlot, tasks: SlotTask[]): void;
  /** The slot will never take work again; the pool replaces it and runs `unstarted` elsewhere. */
  onRetired(slot: SandboxWorkerSlot, initFailure: string | undefined, unstarted: SlotTask[]): void;
}

export interface SlotOptions {
  bootData: WorkerBootData;
  /** How long past a run's own deadline the worker may stay silent before it is terminated. */
  backstopGraceMs: number;
}

// The sandbox's heap is WebAssembly memory, outside these limits; they bound the worker's own JavaScript.
const RESOURCE_LIMITS = { maxOldGenerationSizeMb: 128, maxYoungGenerationSizeMb: 32, stackSizeMb: 4 };

/**
 * One worker thread of the pool and the runs sent to it, in the order the worker does them: the first is the
 * one running (or about to), the others wait in the worker. The backstop always watches the first.
 */
export class SandboxWorkerSlot {
  private readonly worker: Worker;
  private readonly tasks: SlotTask[] = [];
  private headStarted = 0;
  private backstop: NodeJS.Timeout | undefined;
  private slow = false;
  private retired = false;
  private everReady = false;
  private markStarted!: () => void;
  /** Settles when the worker is ready for its first run, or was retired before that. */
  readonly started = new Promise<void>((resolve) => {
    this.markStarted = resolve;
  });

  constructor(
    private readonly options: SlotOptions,
    private readonly events: SlotEvents,
  ) {
    this.worker = launchSandboxWorker(options.bootData, RESOURCE_LIMITS);
    this.worker.on('message', (message: FromWorkerMessage) => this.onMessage(message));
    this.worker.on('error', (error: Error & { code?: string }) => {
      const kind: RunErrorKind = error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'memory' : 'error';
      this.abort(kind, `The sandbox worker failed: ${error.message}`);
    });
    this.worker.on('exit', (code) => this.abort('error', `The sandbox worker exited (code ${code}).`));
  }

  /** Runs sent and not finished. */
  get load(): number {
    return this.tasks.length;
  }

  /** Whether the pool may send runs: not while the current run is slow, as they would wait behind it. */
  get accepting(): boolean {
    return this.everReady && !this.retired && !this.slow;
  }

  dispatch(batch: SlotTask[]): void {
    const wasIdle = this.tasks.length === 0;
    this.tasks.push(...batch);
    if (wasIdle) this.watchHead();
    this.send({ type: 'run', runs: batch.map(({ runId, job }) => ({ runId, job })) });
  }

  async terminate(): Promise<void> {
    this.abort('error', 'The sandbox was closed.');
    await this.worker.terminate();
  }

  private onMessage(message: FromWorkerMessage): void {
    switch (message.type) {
      case 'ready':
        this.everReady = true;
        this.markStarted();
        this.events.onReady(this);
        return;
      case 'initFailed':
        this.retire(message.message);
        return;
      case 'hostCall':
        this.answerHostCall(message);
        return;
      case 'returned':
        this.takeBack(message.runIds);
        return;
      case 'done':
        if (this.tasks[0]?.runId !== message.runId) return;
        this.finishHead(message.outcome);
        this.slow = false;
        if (message.recycle) {
          this.retire();
          return;
        }
        if (this.tasks.length > 0) this.watchHead();
        this.events.onReady(this);
        return;
    }
  }

  private takeBack(runIds: number[]): void {
    this.slow = true;
    const returned = new Set(runIds);
    // The first task is the one running: the worker only ever returns runs it has not started.
    const back: SlotTask[] = [];
    for (let i = this.tasks.length - 1; i > 0; i--) {
      if (returned.has(this.tasks[i].runId)) back.unshift(...this.tasks.splice(i, 1));
    }
    if (back.length > 0) this.events.onReturned(this, back);
  }

  private answerHostCall(message: Extract<FromWorkerMessage, { type: 'hostCall' }>): void {
    const task = this.tasks[0];
    if (task === undefined || task.runId !== message.runId) return;
    const { runId, callId } = message;
    // A host that throws instead of rejecting must not take the main thread's message handler down with it.
    new Promise<unknown>((resolve) => resolve(task.onHostCall(message.call))).then(
      (value) => this.sendHostValue(runId, callId, value),
      (error: unknown) => this.send({ type: 'hostResult', runId, callId, ok: false, message: errorMessage(error) }),
    );
  }

  private sendHostValue(runId: number, callId: number, value: unknown): void {
    if (this.retired) return;
    try {
      this.worker.postMessage({ type: 'hostResult', runId, callId, ok: true, value } satisfies ToWorkerMessage);
    } catch (error) {
      // A value that cannot be structured-cloned is the host's bug; the run sees a rejection, the worker lives.
      const message = `The host's answer cannot be passed to the sandbox: ${errorMessage(error)}`;
      this.send({ type: 'hostResult', runId, callId, ok: false, message });
    }
  }

  /**
   * The worker starts the next run as soon as one ends, so the first task's clock starts when the previous
   * one's answer arrives here (a little late, which only makes the backstop more lenient).
   */
  private watchHead(): void {
    const head = this.tasks[0];
    clearTimeout(this.backstop);
    this.headStarted = performance.now();
    this.backstop = setTimeout(() => {
      this.abort('timeout', `Execution timed out after ${head.job.timeoutMs} ms (the worker was terminated).`);
    }, head.job.timeoutMs + this.options.backstopGraceMs);
  }

  /** Ends the running run from outside (backstop, crash, close) and takes the worker out of service. */
  private abort(kind: RunErrorKind, message: string): void {
    if (this.tasks.length > 0) {
      const durationMs = performance.now() - this.headStarted;
      this.finishHead({ ok: false, error: { kind, message }, logs: [], durationMs });
    }
    // Dying before ever being ready (missing file, crash while loading) is a start-up failure: the pool must
    // not respawn it in a tight loop.
    this.retire(this.everReady ? undefined : message);
  }

  private finishHead(outcome: SandboxOutcome): void {
    clearTimeout(this.backstop);
    this.tasks.shift()?.resolve(outcome);
  }

  private retire(initFailure?: string): void {
    if (this.retired) return;
    this.retired = true;
    clearTimeout(this.backstop);
    this.markStarted();
    void this.worker.terminate();
    this.events.onRetired(this, initFailure, this.tasks.splice(0));
  }

  private send(message: ToWorkerMessage): void {
    if (this.retired) return;
    try {
      this.worker.postMessage(message);
    } catch (error) {
      this.abort('error', `The sandbox worker cannot be reached: ${errorMessage(error)}`);
    }
  }
}
