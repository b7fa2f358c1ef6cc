import type { CodeNodeRunner } from './code-node-runner.js';
import type { CompiledFlow } from './compiled-flow.types.js';
import type { HttpRequester } from './http-requester.js';
import type { QuestionType } from './flow-definition.types.js';
import type { SessionState } from './session-state.js';

export interface FlowInput {
  text: string | null;
  data: Record<string, unknown> | null;
  userId: string;
  sessionId: string;
  inputId: string;
  traceId: string;
  urlToken: string;
  /** Default 'webhook'. */
  channel?: string;
}

export interface FlowOutput {
  text: string | null;
  data: Record<string, unknown> | null;
}

/** The `input` (`ci`) object expressions and code nodes see. Field names follow Cognigy.AI. */
export interface FlowScriptInput {
  text: string | null;
  data: Record<string, unknown> | null;
  userId: string;
  sessionId: string;
  inputId: string;
  traceId: string;
  URLToken: string;
  channel: string;
  /** How many inputs the session has processed, this one included. */
  execution: number;
  intent: string | null;
  intentScore: number | null;
  /** The parsed answer when this input answered a question; null when the question escalated. */
  result: unknown;
  activeQuestion: { flowId: string; nodeId: string; questionType: QuestionType; reprompts: number } | null;
  currentTime: string;
  /** The error of the last code node that failed during this input. */
  codeNodeError?: string;
}

/** completed: ran to the end; waiting: for the next input; stopped: by a stop node; aborted: by a safety limit or a missing flow/node. */
export type FlowRunStatus = 'completed' | 'waiting' | 'stopped' | 'aborted';

export type FlowLogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface FlowLogEntry {
  level: FlowLogLevel;
  message: string;
  flowId: string;
  nodeId: string;
}

export type FlowWarningCode =
  'LOOP_LIMIT' | 'CALL_DEPTH_LIMIT' | 'FLOW_NOT_FOUND' | 'NODE_NOT_FOUND' | 'POSITION_RESET' | 'INVALID_CODE_ACTION';

/** Something the engine did to protect the run (stopping a loop, resetting a stale position...). */
export interface FlowWarning {
  code: FlowWarningCode;
  message: string;
  flowId: string | null;
  nodeId: string | null;
}

export interface FlowRunResult {
  outputs: FlowOutput[];
  /** A new object: the session passed in is never modified. */
  session: SessionState;
  status: FlowRunStatus;
  /** The input as the flow saw it (intent, result...), e.g. for transcripts and analytics. */
  input: FlowScriptInput;
  logs: FlowLogEntry[];
  warnings: FlowWarning[];
}

export interface FlowRunArgs {
  flowId: string;
  session: SessionState | null;
  input: FlowInput;
  /** Whether to run the built-in NLU on the text (off: intent stays null). */
  nlu: boolean;
}

export interface FlowEngineDeps {
  loadFlow: (flowId: string) => Promise<CompiledFlow | null>;
  codeRunner?: CodeNodeRunner;
  httpRequester?: HttpRequester;
  now?: () => Date;
  random?: () => number;
}

/** Per input, one node may run at most this many times ("a path may repeat at most 4 times"). */
export const MAX_NODE_RUNS_PER_INPUT = 4;
/** Nested executeFlow calls allowed at once. */
export const MAX_CALL_DEPTH = 8;
