/**
 * One run inside a worker: a QuickJS context (a fresh one for a code node; for a hook, the endpoint's warm one
 * when it has one, see hook-context-cache.ts), the user's code, and the loop that settles its promise while
 * host calls (HTTP, session storage) are answered by the main thread over the message port.
 */
import type { QuickJSContext, QuickJSDeferredPromise, QuickJSHandle, VmCallResult } from 'quickjs-emscripten';
import type { ConsoleLevel, ConsoleLine, RunError } from '../transformer.types.js';
import { errorMessage, locateUserFrame, type GuestErrorInfo, type UserLocation } from './error-location.js';
import { toHostCall, toGuestJson } from './host-calls.js';
import type { HookContext } from './hook-context-cache.js';
import {
  HOOK_MODULE_PREFIX,
  MAX_LOG_CHARS,
  type QuickJsEngine,
  type RunBridge,
  type RunGuard,
} from './quickjs-engine.js';
import {
  CODE_NODE_FILENAME,
  TRANSFORMER_FILENAME,
  type CodeJob,
  type FromWorkerMessage,
  type HookJob,
  type HostCall,
  type SandboxJob,
  type SandboxOutcome,
  type ToWorkerMessage,
} from './sandbox.protocol.js';

const MAX_LOG_LINES = 200;
const MAX_LOG_TOTAL_CHARS = 64 * 1024;
const MAX_PAYLOAD_CHARS = 16 * 1024 * 1024;
const LEVELS: ReadonlySet<string> = new Set(['log', 'info', 'warn', 'error', 'debug']);

type RunResult = { ok: true; payloadJson: string } | { ok: false; error: RunError };
type Settled =
  | { type: 'fulfilled'; value: QuickJSHandle }
  | { type: 'rejected'; error: QuickJSHandle }
  | { type: 'limit'; error?: QuickJSHandle };
type HostResultMessage = Extract<ToWorkerMessage, { type: 'hostResult' }>;

export class SandboxRun implements RunBridge {
  private readonly logs: ConsoleLine[] = [];
  private logChars = 0;
  private logsTruncated = false;
  private closed = false;
  private readonly pending = new Map<number, { call: HostCall; deferred: QuickJSDeferredPromise }>();
  private nextCallId = 1;
  private httpCalls = 0;
  private wake: (() => void) | null = null;
  private ctx!: QuickJSContext;
  private hookContext: HookContext | undefined;
  /** What the hook kit's finish said of the realm; still true after cleanup unless a leftover job ran since. */
  private untouchedAtFinish = false;
  private control: QuickJSHandle | undefined;
  private guard!: RunGuard;

  constructor(
    private readonly engine: QuickJsEngine,
    readonly runId: number,
    private readonly job: SandboxJob,
    private readonly post: (message: FromWorkerMessage) => void,
    /** Called whenever the run has to wait for something outside QuickJS (the host, or its own deadline). */
    private readonly onWait: () => void = () => {},
  ) {}

  async execute(): Promise<{ outcome: SandboxOutcome; recycle: boolean }> {
    const started = performance.now();
    this.guard = this.engine.beginRun(this.job.timeoutMs, this);
    // Wakes the settle loop at the deadline when it waits for a host answer that never comes.
    const timer = setTimeout(() => this.wake?.(), this.job.timeoutMs + 1);
    let result: RunResult;
    let broken = false;
    try {
      result = this.job.kind === 'hook' ? await this.runHook(this.job) : await this.runCode(this.job);
    } catch (error) {
      // A host-side exception means the engine itself failed (for example its heap hit the hard ceiling).
      broken = true;
      const kind = this.engine.heapExhausted() ? 'memory' : 'error';
      result = { ok: false, error: { kind, message: `The sandbox failed: ${errorMessage(error)}` } };
    } finally {
      clearTimeout(timer);
    }
    broken = this.cleanup(broken, result.ok);
    const durationMs = performance.now() - started;
    const outcome: SandboxOutcome = result.ok
      ? { ok: true, payloadJson: result.payloadJson, logs: this.logs, durationMs }
      : { ok: false, error: result.error, logs: this.logs, durationMs };
    const hitLimit = this.guard.reason !== null || (!result.ok && result.error.kind !== 'error');
    return { outcome, recycle: broken || hitLimit || this.engine.needsRecycle() };
  }

  log(level: string, text: string): void {
    if (this.closed) return;
    if (this.logs.length >= MAX_LOG_LINES || this.logChars >= MAX_LOG_TOTAL_CHARS) {
      if (!this.logsTruncated) this.logs.push({ level: 'warn', message: '[further console output dropped]' });
      this.logsTruncated = true;
      return;
    }
    const message = text.length > MAX_LOG_CHARS ? `${text.slice(0, MAX_LOG_CHARS)}…` : text;
    this.logs.push({ level: LEVELS.has(level) ? (level as ConsoleLevel) : 'log', message });
    this.logChars += message.length;
  }

  hostCall(kind: string, payloadJson: string): QuickJSHandle {
    if (this.closed) throw new Error('The run has ended.');
    const deferred = this.ctx.newPromise();
    try {
      if (kind === 'httpRequest' && ++this.httpCalls > 1) {
        throw new Error('httpRequest may be called at most once per run.');
      }
      const call = toHostCall(kind, payloadJson, this.guard.deadline - Date.now());
      const callId = this.nextCallId++;
      this.pending.set(callId, { call, deferred });
      this.post({ type: 'hostCall', runId: this.runId, callId, call });
    } catch (error) {
      const name = error instanceof Error ? error.name : 'Error';
      const reason = this.ctx.newError({ name, message: errorMessage(error) });
      deferred.reject(reason);
      reason.dispose();
    }
    // The function wrapper disposes this handle once QuickJS holds the promise; the resolvers stay alive.
    return deferred.handle;
  }

  onHostResult(message: HostResultMessage): void {
    const entry = this.pending.get(message.callId);
    if (entry === undefined || this.closed) return;
    this.pending.delete(message.callId);
    try {
      const value = message.ok ? this.guestValue(entry.call, message.value) : undefined;
      if (value !== undefined && !value.error) {
        entry.deferred.resolve(value.value);
        value.value.dispose();
      } else {
        const reason = value?.error ?? this.ctx.newError(message.ok ? 'Invalid host answer.' : message.message);
        entry.deferred.reject(reason);
        reason.dispose();
      }
    } finally {
      entry.deferred.dispose();
      this.wake?.();
    }
  }

  private async runHook(job: HookJob): Promise<RunResult> {
    const context = this.engine.openHookContext(job.endpointId, job.compiledJs);
    this.hookContext = context;
    const ctx = (this.ctx = context.ctx);
    this.control = context.control;
    if (context.module === undefined) {
      const evaluated = this.engine.evaluateHookModule(context, TRANSFORMER_FILENAME);
      if (evaluated.error) return this.failure(evaluated.error);
      context.module = evaluated.value;
    }
    const withResponse = job.withResponse ? ctx.true : ctx.false;
    const args = [ctx.newString(job.argsJson), withResponse, ctx.newString(job.hook), context.module.dup()];
    const called = this.callControl('start', ...args);
    if (called.error) return this.failure(called.error);
    return this.complete(called.value);
  }

  private async runCode(job: CodeJob): Promise<RunResult> {
    this.ctx = this.engine.runtime.newContext();
    const control = this.engine.beginCode(this.ctx, job.payloadJson);
    if (control.error) return this.failure(control.error);
    this.control = control.value;
    const evaluated = this.ctx.evalCode(job.functionJs, CODE_NODE_FILENAME);
    if (evaluated.error) return this.failure(evaluated.error);
    const started = this.callControl('run', evaluated.value);
    if (started.error) return this.failure(started.error);
    return this.complete(started.value);
  }

  private async complete(promise: QuickJSHandle): Promise<RunResult> {
    const settled = await this.settle(promise);
    promise.dispose();
    if (settled.type === 'limit') return this.limitFailure(settled.error);
    if (settled.type === 'rejected') return this.failure(settled.error);
    const finished = this.callControl('finish', settled.value);
    if (finished.error) return this.failure(finished.error, 'The result could not be converted to JSON: ');
    let payloadJson = this.ctx.getString(finished.value);
    finished.value.dispose();
    if (this.hookContext !== undefined) {
      this.untouchedAtFinish = payloadJson.startsWith('1');
      payloadJson = payloadJson.slice(1);
    }
    if (payloadJson.length > MAX_PAYLOAD_CHARS) {
      return {
        ok: false,
        error: { kind: 'error', message: `The result is larger than ${MAX_PAYLOAD_CHARS} characters.` },
      };
    }
    return { ok: true, payloadJson };
  }

  /** Runs QuickJS's job queue until the promise settles, waiting on the port while host calls are out. */
  private async settle(promise: QuickJSHandle): Promise<Settled> {
    for (;;) {
      const jobs = this.engine.runtime.executePendingJobs();
      if (jobs.error) {
        return this.guard.reason !== null
          ? { type: 'limit', error: jobs.error }
          : { type: 'rejected', error: jobs.error };
      }
      jobs.dispose();
      if (this.guard.reason !== null) return { type: 'limit' };
      const state = this.ctx.getPromiseState(promise);
      if (state.type === 'fulfilled')
        return { type: 'fulfilled', value: state.notAPromise ? promise.dup() : state.value };
      if (state.type === 'rejected') return { type: 'rejected', error: state.error };
      // Nothing can settle the promise any more once the deadline passed (or if nothing is outstanding: then
      // the wait below simply lasts until the deadline, which reports it as the timeout it is).
      if (Date.now() >= this.guard.deadline) {
        this.guard.reason = 'timeout';
        return { type: 'limit' };
      }
      this.onWait();
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
      this.wake = null;
    }
  }

  private failure(error: QuickJSHandle, prefix = ''): RunResult {
    if (this.guard.reason !== null) return this.limitFailure(error);
    try {
      const info = this.describe(error);
      const memory = info.name === 'InternalError' && info.message === 'out of memory';
      const text = info.isError ? `${info.name}: ${info.message}` : info.message;
      const location = this.locate(info.stack);
      return { ok: false, error: { kind: memory ? 'memory' : 'error', message: prefix + text, ...location } };
    } finally {
      error.dispose();
    }
  }

  private limitFailure(error?: QuickJSHandle): RunResult {
    const reason = this.guard.reason ?? 'timeout';
    let location: UserLocation | undefined;
    if (error !== undefined) {
      location = this.locate(this.readStack(error));
      error.dispose();
    }
    const megabytes = Math.round(this.engine.memoryLimitBytes / (1024 * 1024));
    const message =
      reason === 'timeout'
        ? `Execution timed out after ${this.job.timeoutMs} ms.`
        : `Execution exceeded the memory limit of ${megabytes} MB.`;
    return { ok: false, error: { kind: reason, message, ...location } };
  }

  private describe(error: QuickJSHandle): GuestErrorInfo {
    if (this.control !== undefined) {
      const described = this.callControl('describe', error.dup());
      if (!described.error) {
        const text = this.ctx.getString(described.value);
        described.value.dispose();
        return JSON.parse(text) as GuestErrorInfo;
      }
      described.error.dispose();
    }
    return { isError: false, name: '', message: 'Unknown error', stack: this.readStack(error) };
  }

  /** Reads `stack` without running guest code, so it works after the run was interrupted. */
  private readStack(error: QuickJSHandle): string {
    try {
      if (this.ctx.typeof(error) !== 'object') return '';
      const stack = this.ctx.getProp(error, 'stack');
      const text = this.ctx.typeof(stack) === 'string' ? this.ctx.getString(stack) : '';
      stack.dispose();
      return text;
    } catch {
      return '';
    }
  }

  private locate(stack: string): UserLocation | undefined {
    if (stack === '') return undefined;
    const job = this.job;
    return job.kind === 'hook'
      ? locateUserFrame(stack, TRANSFORMER_FILENAME, job.compiledJs, 0, HOOK_MODULE_PREFIX.length)
      : locateUserFrame(stack, CODE_NODE_FILENAME, job.functionJs, job.firstLineOffset);
  }

  private guestValue(call: HostCall, value: unknown): VmCallResult<QuickJSHandle> {
    const json = this.ctx.newString(toGuestJson(call, value));
    if (call.kind === 'loadSessionStorage') {
      return this.callControl(
        'adoptStorage',
        this.ctx.newString(call.userId),
        this.ctx.newString(call.sessionId),
        json,
      );
    }
    return this.callControl('parse', json);
  }

  /** Calls a method of the kit's control object; takes ownership of `args`. A hook context keeps its methods. */
  private callControl(method: string, ...args: QuickJSHandle[]): VmCallResult<QuickJSHandle> {
    const control = this.control;
    if (control === undefined) throw new Error('The run has no control object.');
    const kept = this.hookContext?.methods;
    let fn = kept?.get(method);
    if (fn === undefined) {
      fn = this.ctx.getProp(control, method);
      kept?.set(method, fn);
    }
    try {
      return this.ctx.callFunction(fn, control, ...args);
    } finally {
      if (kept === undefined) fn.dispose();
      for (const arg of args) arg.dispose();
    }
  }

  /**
   * Stops whatever the run left behind (unawaited promise chains) so nothing of it runs during the next run,
   * and frees the context or, for a hook that completed cleanly, keeps it warm. Returns true when the worker
   * should be replaced rather than reused.
   */
  private cleanup(broken: boolean, completed: boolean): boolean {
    this.closed = true;
    this.guard.stopping = true;
    let replace = broken;
    try {
      for (const { deferred } of this.pending.values()) deferred.dispose();
      this.pending.clear();
      if (!broken) replace = this.drainAndRelease(completed);
    } catch {
      replace = true;
    }
    try {
      this.engine.endRun();
    } catch {
      replace = true;
    }
    return replace;
  }

  private drainAndRelease(completed: boolean): boolean {
    const runtime = this.engine.runtime;
    let interrupted = false;
    let ranJobs = false;
    for (let round = 0; round < 20 && runtime.hasPendingJob(); round++) {
      ranJobs = true;
      const jobs = runtime.executePendingJobs();
      if (jobs.error) {
        interrupted = true;
        jobs.error.dispose();
      } else jobs.dispose();
    }
    const leftovers = runtime.hasPendingJob();
    const context = this.hookContext;
    if (context === undefined) {
      this.control?.dispose();
      this.ctx.dispose();
      return leftovers;
    }
    const reusable =
      completed &&
      !leftovers &&
      !interrupted &&
      this.guard.reason === null &&
      (ranJobs ? this.untouched() : this.untouchedAtFinish);
    this.engine.releaseHookContext(context, reusable);
    return leftovers;
  }

  /** Runs with the guard still set (stopping): should the check be interrupted, the context is dropped. */
  private untouched(): boolean {
    const checked = this.callControl('untouched');
    if (checked.error) {
      checked.error.dispose();
      return false;
    }
    const untouched = this.ctx.typeof(checked.value) === 'number' && this.ctx.getNumber(checked.value) === 1;
    checked.value.dispose();
    return untouched;
  }
}
