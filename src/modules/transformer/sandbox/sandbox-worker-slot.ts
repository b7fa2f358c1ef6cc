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
}

export interface SlotEvents {
  onReady(slot: SandboxWorkerSlot, bootMs: number): void;
  /** The slot will never take work again; the pool replaces it. */
  onRetired(slot: SandboxWorkerSlot, initFailure?: string): void;
}

export interface SlotOptions {
  bootData: WorkerBootData;
  /** How long past a run's own deadline the worker may stay silent before it is terminated. */
  backstopGraceMs: number;
}

// The sandbox's heap is WebAssembly memory, outside these limits; they bound the worker's own JavaScript.
const RESOURCE_LIMITS = { maxOldGenerationSizeMb: 128, maxYoungGenerationSizeMb: 32, stackSizeMb: 4 };

/** One worker thread of the pool and the run it is doing. */
export class SandboxWorkerSlot {
  private readonly worker: Worker;
  private task: SlotTask | null = null;
  private taskStarted = 0;
  private backstop: NodeJS.Timeout | undefined;
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

  dispatch(task: SlotTask): void {
    this.task = task;
    this.taskStarted = performance.now();
    this.backstop = setTimeout(() => {
      this.abort('timeout', `Execution timed out after ${task.job.timeoutMs} ms (the worker was terminated).`);
    }, task.job.timeoutMs + this.options.backstopGraceMs);
    this.send({ type: 'run', runId: task.runId, job: task.job });
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
        this.events.onReady(this, message.bootMs);
        return;
      case 'initFailed':
        this.retire(message.message);
        return;
      case 'hostCall':
        this.answerHostCall(message);
        return;
      case 'done':
        if (this.task?.runId !== message.runId) return;
        this.finishTask(message.outcome);
        if (message.recycle) this.retire();
        else this.events.onReady(this, 0);
        return;
    }
  }

  private answerHostCall(message: Extract<FromWorkerMessage, { type: 'hostCall' }>): void {
    const task = this.task;
    if (task === null || task.runId !== message.runId) return;
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

  /** Ends the current run from outside (backstop, crash, close) and takes the worker out of service. */
  private abort(kind: RunErrorKind, message: string): void {
    if (this.task !== null) {
      const durationMs = performance.now() - this.taskStarted;
      this.finishTask({ ok: false, error: { kind, message }, logs: [], durationMs });
    }
    // Dying before ever being ready (missing file, crash while loading) is a start-up failure: the pool must
    // not respawn it in a tight loop.
    this.retire(this.everReady ? undefined : message);
  }

  private finishTask(outcome: SandboxOutcome): void {
    clearTimeout(this.backstop);
    const task = this.task;
    this.task = null;
    task?.resolve(outcome);
  }

  private retire(initFailure?: string): void {
    if (this.retired) return;
    this.retired = true;
    this.markStarted();
    void this.worker.terminate();
    this.events.onRetired(this, initFailure);
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
