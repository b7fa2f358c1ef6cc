import type { ScriptErrorHandler, ScriptScope } from '../cognigy-script/index.js';
import type { CodeNodeRunner } from '../code-node-runner.js';
import type { CompiledFlow } from '../compiled-flow.types.js';
import type { FlowLogLevel, FlowOutput, FlowScriptInput, FlowWarningCode } from '../flow-run.types.js';
import type { HttpRequester } from '../http-requester.js';
import type { SessionState } from '../session-state.js';

/** What a node executor may see and do; the run owns navigation, so executors only return a step. */
export interface NodeExecutionContext {
  readonly flow: CompiledFlow;
  readonly session: SessionState;
  readonly input: FlowScriptInput;
  readonly scope: ScriptScope;
  readonly codeRunner: CodeNodeRunner | undefined;
  readonly httpRequester: HttpRequester | undefined;
  readonly random: () => number;
  /** Logs template and condition failures of this node (they render empty / false). */
  readonly onScriptError: ScriptErrorHandler;
  say(output: FlowOutput): void;
  log(level: FlowLogLevel, message: string): void;
  warn(code: FlowWarningCode, message: string): void;
}

/** Where the run goes after a node. A null nodeId means the end of the current flow. */
export type NodeStep =
  | { readonly kind: 'next'; readonly nodeId: string | null }
  | { readonly kind: 'goTo'; readonly flowId: string | null; readonly nodeId: string; readonly wait: boolean }
  | { readonly kind: 'executeFlow'; readonly flowId: string; readonly nodeId: string | null }
  | { readonly kind: 'waitForInput'; readonly resumeAt: string | null }
  | { readonly kind: 'askQuestion' }
  | { readonly kind: 'stop' };

export function nextStep(nodeId: string | null): NodeStep {
  return { kind: 'next', nodeId };
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
