/** Messages between the sandbox pool (main thread) and its worker threads. Everything here is structured-cloned. */
import type { ConsoleLine, HookName, RunError, SandboxHttpRequest } from '../transformer.types.js';

/**
 * A transformer hook run: the compiled module runs, then one hook is called. The worker keeps a warm context per
 * (endpointId, compiledJs), never shared by another endpoint (hook-context-cache.ts).
 */
export interface HookJob {
  kind: 'hook';
  endpointId: string;
  compiledJs: string;
  hook: HookName;
  argsJson: string;
  withResponse: boolean;
  timeoutMs: number;
}

/** A flow code node: `functionJs` evaluates to an async function that holds the user's code. */
export interface CodeJob {
  kind: 'code';
  functionJs: string;
  /** Characters the wrapper adds before the user's code on line 1. */
  firstLineOffset: number;
  payloadJson: string;
  timeoutMs: number;
}

export type SandboxJob = HookJob | CodeJob;

export type HostCall =
  | { kind: 'httpRequest'; request: SandboxHttpRequest }
  | { kind: 'loadSessionStorage'; userId: string; sessionId: string };

/**
 * `payloadJson` is produced inside the sandbox: for hooks `{hookPresent, hasValue, value, response, writes}`,
 * for code nodes `{hasValue, value, actions, context}`.
 */
export type SandboxOutcome =
  | { ok: true; payloadJson: string; logs: ConsoleLine[]; durationMs: number }
  | { ok: false; error: RunError; logs: ConsoleLine[]; durationMs: number };

export interface RunRequest {
  runId: number;
  job: SandboxJob;
}

export type ToWorkerMessage =
  /** Runs to do one after the other, after any the worker already has (see SandboxPool: pipelining). */
  | { type: 'run'; runs: RunRequest[] }
  | { type: 'hostResult'; runId: number; callId: number; ok: true; value: unknown }
  | { type: 'hostResult'; runId: number; callId: number; ok: false; message: string };

export type FromWorkerMessage =
  | { type: 'ready'; bootMs: number; lodashMs: number }
  | { type: 'initFailed'; message: string }
  | { type: 'hostCall'; runId: number; callId: number; call: HostCall }
  /** Queued runs the worker will not start: its current run is slow, so the pool runs them elsewhere. */
  | { type: 'returned'; runIds: number[] }
  /** `recycle`: the worker hit a limit or grew its heap; the pool replaces it instead of reusing it. */
  | { type: 'done'; runId: number; outcome: SandboxOutcome; recycle: boolean };

export interface WorkerBootData {
  memoryLimitBytes: number;
}

/** Names the sandbox gives the user's code, so stack frames can be told apart from the sandbox's own. */
export const TRANSFORMER_FILENAME = 'transformer.js';
export const CODE_NODE_FILENAME = 'code-node.js';
