/** Messages between the sandbox pool (main thread) and its worker threads. Everything here is structured-cloned. */
import type { ConsoleLine, HookName, RunError, SandboxHttpRequest } from '../transformer.types.js';

/** A transformer hook run: the compiled module is evaluated, then one hook is called. */
export interface HookJob {
  kind: 'hook';
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

export type ToWorkerMessage =
  | { type: 'run'; runId: number; job: SandboxJob }
  | { type: 'hostResult'; runId: number; callId: number; ok: true; value: unknown }
  | { type: 'hostResult'; runId: number; callId: number; ok: false; message: string };

export type FromWorkerMessage =
  | { type: 'ready'; bootMs: number; lodashMs: number }
  | { type: 'initFailed'; message: string }
  | { type: 'hostCall'; runId: number; callId: number; call: HostCall }
  /** `recycle`: the worker hit a limit or grew its heap; the pool replaces it instead of reusing it. */
  | { type: 'done'; runId: number; outcome: SandboxOutcome; recycle: boolean };

export interface WorkerBootData {
  memoryLimitBytes: number;
}

/** Names the sandbox gives the user's code, so stack frames can be told apart from the sandbox's own. */
export const TRANSFORMER_FILENAME = 'transformer.js';
export const CODE_NODE_FILENAME = 'code-node.js';
