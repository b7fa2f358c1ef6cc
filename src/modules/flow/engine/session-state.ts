import type { CompiledFlow } from './compiled-flow.types.js';

/** A node of a flow; on the executeFlow call stack it is the executeFlow node to return to. */
export interface FlowPosition {
  flowId: string;
  nodeId: string;
}

/** Where the next input continues; a null nodeId means "at the end of that flow" (return to its caller). */
export interface WaitingPosition {
  flowId: string;
  nodeId: string | null;
}

export interface ActiveQuestionState {
  flowId: string;
  nodeId: string;
  /** Reprompts already said for this question. */
  reprompts: number;
}

/** Everything the engine remembers between inputs of one session. Plain JSON: store it as is. */
export interface SessionState {
  version: 1;
  /** The endpoint's flow the session started in; if the endpoint's flow changes, the position is reset. */
  rootFlowId: string;
  /** The flow new inputs start in (changes when a goTo switches flows). */
  currentFlowId: string;
  context: Record<string, unknown>;
  profile: Record<string, unknown>;
  /** Inputs processed so far, this one included. */
  executionCount: number;
  waitingAt: WaitingPosition | null;
  activeQuestion: ActiveQuestionState | null;
  callStack: FlowPosition[];
  /** Keys `flowId:nodeId` of once nodes that have run. */
  onceFlags: Record<string, true>;
  /** Keys `flowId:nodeId` of say nodes in linear/loop mode → the next variant index. */
  variantCounters: Record<string, number>;
}

export function newSessionState(flow: CompiledFlow): SessionState {
  return {
    version: 1,
    rootFlowId: flow.id,
    currentFlowId: flow.id,
    context: structuredClone(flow.defaultContext),
    profile: {},
    executionCount: 0,
    waitingAt: null,
    activeQuestion: null,
    callStack: [],
    onceFlags: {},
    variantCounters: {},
  };
}

function isRecord(value: unknown): value is Record<string, never> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Deep-copies a stored session (the caller's object is never modified or aliased) and repairs
 * fields an older or damaged record lacks. A session started on another flow keeps its context
 * and profile but starts over in `rootFlow`.
 */
export function restoreSessionState(stored: SessionState, rootFlow: CompiledFlow): SessionState {
  const fresh = newSessionState(rootFlow);
  const copy = structuredClone(stored) as Partial<SessionState>;
  const session: SessionState = {
    ...fresh,
    ...copy,
    version: 1,
    context: isRecord(copy.context) ? copy.context : fresh.context,
    profile: isRecord(copy.profile) ? copy.profile : {},
    executionCount: typeof copy.executionCount === 'number' ? copy.executionCount : 0,
    callStack: Array.isArray(copy.callStack) ? copy.callStack : [],
    onceFlags: isRecord(copy.onceFlags) ? copy.onceFlags : {},
    variantCounters: isRecord(copy.variantCounters) ? copy.variantCounters : {},
  };
  if (session.rootFlowId !== rootFlow.id) {
    Object.assign(session, {
      rootFlowId: rootFlow.id,
      currentFlowId: rootFlow.id,
      waitingAt: null,
      activeQuestion: null,
      callStack: [],
    });
  }
  return session;
}

export function nodeKey(flowId: string, nodeId: string): string {
  return `${flowId}:${nodeId}`;
}
