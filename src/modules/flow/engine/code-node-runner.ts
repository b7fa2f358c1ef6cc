import type { FlowLogLevel } from './flow-run.types.js';

/** What user code in a code node asked for, applied by the engine in order. */
export type CodeNodeAction =
  | { type: 'say'; text?: string | null; data?: Record<string, unknown> | null }
  | { type: 'addToContext'; key: string; value: unknown; mode?: 'simple' | 'array' }
  | { type: 'removeFromContext'; key: string }
  | { type: 'log'; level: FlowLogLevel; message: string };

export interface CodeNodeRunRequest {
  code: string;
  /** Copies: changes made by the code have no effect; it acts through actions. */
  input: Record<string, unknown>;
  context: Record<string, unknown>;
  profile: Record<string, unknown>;
  timeoutMs: number;
}

export interface CodeNodeRunResult {
  /** Actions recorded before the code finished or failed. */
  actions: CodeNodeAction[];
  /** Set when the code threw, timed out or could not run. */
  error?: string;
}

/** Runs code-node JavaScript in a sandbox (implemented outside the engine). */
export interface CodeNodeRunner {
  run(request: CodeNodeRunRequest): Promise<CodeNodeRunResult>;
}

export const CODE_NODE_TIMEOUT_MS = 1000;
