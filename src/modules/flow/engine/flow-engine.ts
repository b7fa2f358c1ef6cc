import type { CompiledFlow } from './compiled-flow.types.js';
import { FlowEngineError, FlowEngineErrorCode } from './flow-engine.errors.js';
import { FlowRun, type ResolvedFlowEngineDeps } from './flow-run.js';
import type { FlowEngineDeps, FlowInput, FlowRunArgs, FlowRunResult, FlowScriptInput } from './flow-run.types.js';
import { newSessionState, restoreSessionState } from './session-state.js';

export { newSessionState } from './session-state.js';

function buildScriptInput(input: FlowInput, execution: number, now: Date): FlowScriptInput {
  return {
    text: input.text,
    data: input.data === null ? null : structuredClone(input.data),
    userId: input.userId,
    sessionId: input.sessionId,
    inputId: input.inputId,
    traceId: input.traceId,
    URLToken: input.urlToken,
    channel: input.channel ?? 'webhook',
    execution,
    intent: null,
    intentScore: null,
    result: null,
    activeQuestion: null,
    currentTime: now.toISOString(),
  };
}

/**
 * Runs a conversation flow for one input at a time. Stateless: everything a session remembers is
 * in the SessionState passed in and returned, so any instance can process the next input.
 */
export class FlowEngine {
  private readonly deps: ResolvedFlowEngineDeps;

  constructor(deps: FlowEngineDeps) {
    this.deps = {
      loadFlow: deps.loadFlow,
      codeRunner: deps.codeRunner,
      httpRequester: deps.httpRequester,
      now: deps.now ?? (() => new Date()),
      random: deps.random ?? Math.random,
    };
  }

  /**
   * Processes one input. Throws FlowEngineError(FLOW_NOT_FOUND) when `flowId` cannot be loaded;
   * problems inside the run (loops, missing goTo targets...) end it and are reported as warnings.
   */
  async run(args: FlowRunArgs): Promise<FlowRunResult> {
    const rootFlow = await this.requireFlow(args.flowId);
    const session = args.session ? restoreSessionState(args.session, rootFlow) : newSessionState(rootFlow);
    session.executionCount += 1;
    const input = buildScriptInput(args.input, session.executionCount, this.deps.now());
    return new FlowRun(this.deps, session, input, rootFlow).execute(args.nlu);
  }

  private async requireFlow(flowId: string): Promise<CompiledFlow> {
    const flow = await this.deps.loadFlow(flowId);
    if (!flow) throw new FlowEngineError(FlowEngineErrorCode.FlowNotFound, `flow '${flowId}' not found`);
    return flow;
  }
}
