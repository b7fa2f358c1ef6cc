import type { ScriptScope } from './cognigy-script/index.js';
import type { CompiledFlow, CompiledNode, CompiledQuestionNode } from './compiled-flow.types.js';
import {
  MAX_CALL_DEPTH,
  MAX_NODE_RUNS_PER_INPUT,
  type FlowEngineDeps,
  type FlowLogEntry,
  type FlowOutput,
  type FlowRunResult,
  type FlowRunStatus,
  type FlowScriptInput,
  type FlowWarning,
  type FlowWarningCode,
} from './flow-run.types.js';
import { recogniseIntent } from './nlu.js';
import { executeNode } from './nodes/execute-node.js';
import { answerQuestion } from './nodes/message-nodes.js';
import { errorMessage, type NodeExecutionContext, type NodeStep } from './nodes/node-context.js';
import { nodeKey, type SessionState } from './session-state.js';

interface Cursor {
  readonly flow: CompiledFlow;
  readonly nodeId: string;
}

/** Where this input enters the conversation. */
type Entry =
  | {
      readonly kind: 'answer';
      readonly flow: CompiledFlow;
      readonly node: CompiledQuestionNode;
      readonly reprompts: number;
    }
  | { readonly kind: 'resume'; readonly flow: CompiledFlow; readonly nodeId: string | null }
  | { readonly kind: 'start'; readonly flow: CompiledFlow };

export type ResolvedFlowEngineDeps = Required<Pick<FlowEngineDeps, 'loadFlow' | 'now' | 'random'>> &
  Pick<FlowEngineDeps, 'codeRunner' | 'httpRequester'>;

/** The processing of one input: owns navigation (flows, waits, call stack) and the safety limits. */
export class FlowRun {
  private readonly outputs: FlowOutput[] = [];
  private readonly logs: FlowLogEntry[] = [];
  private readonly warnings: FlowWarning[] = [];
  private readonly runsPerNode = new Map<string, number>();
  private readonly flows = new Map<string, CompiledFlow | null>();
  private readonly scope: ScriptScope;
  private status: FlowRunStatus = 'completed';

  constructor(
    private readonly deps: ResolvedFlowEngineDeps,
    private readonly session: SessionState,
    private readonly input: FlowScriptInput,
    private readonly rootFlow: CompiledFlow,
  ) {
    this.flows.set(rootFlow.id, rootFlow);
    this.scope = { input, context: session.context, profile: session.profile };
  }

  async execute(nlu: boolean): Promise<FlowRunResult> {
    const entry = await this.resolveEntry();
    if (nlu)
      Object.assign(this.input, recogniseIntent(this.input.text, entry.flow.intents, entry.flow.intentThreshold));
    await this.runFrom(await this.enter(entry));
    return {
      outputs: this.outputs,
      session: this.session,
      status: this.status,
      input: this.input,
      logs: this.logs,
      warnings: this.warnings,
    };
  }

  private async resolveEntry(): Promise<Entry> {
    const { activeQuestion, waitingAt } = this.session;
    this.session.activeQuestion = null;
    this.session.waitingAt = null;
    if (activeQuestion) {
      const flow = await this.loadFlow(activeQuestion.flowId);
      const node = flow?.nodes.get(activeQuestion.nodeId);
      if (flow && node?.type === 'question') return { kind: 'answer', flow, node, reprompts: activeQuestion.reprompts };
      this.resetPosition(activeQuestion.flowId, activeQuestion.nodeId, 'the active question no longer exists');
    } else if (waitingAt) {
      const flow = await this.loadFlow(waitingAt.flowId);
      if (flow && (waitingAt.nodeId === null || flow.nodes.has(waitingAt.nodeId))) {
        return { kind: 'resume', flow, nodeId: waitingAt.nodeId };
      }
      this.resetPosition(waitingAt.flowId, waitingAt.nodeId, 'the node the session waited at no longer exists');
    }
    return { kind: 'start', flow: await this.currentFlow() };
  }

  private async enter(entry: Entry): Promise<Cursor | null> {
    switch (entry.kind) {
      case 'start':
        return { flow: entry.flow, nodeId: entry.flow.startNodeId };
      case 'resume': {
        const cursor = await this.advance(entry.flow, entry.nodeId);
        if (cursor || this.status === 'aborted') return cursor;
        const flow = await this.currentFlow();
        return { flow, nodeId: flow.startNodeId };
      }
      case 'answer':
        return this.answer(entry.flow, entry.node, entry.reprompts);
    }
  }

  private async answer(flow: CompiledFlow, node: CompiledQuestionNode, reprompts: number): Promise<Cursor | null> {
    this.input.activeQuestion = { flowId: flow.id, nodeId: node.id, questionType: node.questionType, reprompts };
    const outcome = answerQuestion(this.nodeContext(flow, node.id), node, reprompts);
    if (outcome.kind === 'continue') return this.advance(flow, outcome.nodeId);
    this.session.activeQuestion = { flowId: flow.id, nodeId: node.id, reprompts: reprompts + 1 };
    this.status = 'waiting';
    return null;
  }

  private async runFrom(start: Cursor | null): Promise<void> {
    let cursor = start;
    while (cursor) {
      const { flow, nodeId } = cursor;
      const node = flow.nodes.get(nodeId);
      if (!node) {
        this.abort('NODE_NOT_FOUND', flow.id, nodeId, `node '${nodeId}' does not exist in flow '${flow.id}'`);
        return;
      }
      if (!this.countRun(flow.id, nodeId)) {
        const limit = MAX_NODE_RUNS_PER_INPUT;
        this.abort(
          'LOOP_LIMIT',
          flow.id,
          nodeId,
          `node '${nodeId}' ran ${limit} times for this input; stopped the run`,
        );
        return;
      }
      const step = await executeNode(this.nodeContext(flow, nodeId), node);
      cursor = await this.follow(flow, node, step);
    }
  }

  private async follow(flow: CompiledFlow, node: CompiledNode, step: NodeStep): Promise<Cursor | null> {
    switch (step.kind) {
      case 'next':
        return this.advance(flow, step.nodeId);
      case 'goTo':
        return this.goTo(flow, node, step.flowId, step.nodeId, step.wait);
      case 'executeFlow':
        return this.executeFlow(flow, node, step.flowId, step.nodeId);
      case 'waitForInput':
        this.waitForInput(flow, step.resumeAt);
        return null;
      case 'askQuestion':
        this.session.activeQuestion = { flowId: flow.id, nodeId: node.id, reprompts: 0 };
        this.status = 'waiting';
        return null;
      case 'stop':
        this.status = 'stopped';
        this.session.callStack = [];
        return null;
    }
  }

  /** Continues at `nodeId`, or, at the end of an executed flow, after the executeFlow node that called it. */
  private async advance(flow: CompiledFlow, nodeId: string | null): Promise<Cursor | null> {
    let current = flow;
    let next = nodeId;
    while (next === null) {
      const frame = this.session.callStack.pop();
      if (!frame) return null;
      const caller = await this.loadFlow(frame.flowId);
      const callNode = caller?.nodes.get(frame.nodeId);
      if (!caller || !callNode) {
        this.abort(
          'NODE_NOT_FOUND',
          frame.flowId,
          frame.nodeId,
          `cannot return to node '${frame.nodeId}' of flow '${frame.flowId}'`,
        );
        return null;
      }
      current = caller;
      next = callNode.next;
    }
    return { flow: current, nodeId: next };
  }

  /** Going to another flow switches the conversation to it: later inputs start there, and no executeFlow returns. */
  private async goTo(
    flow: CompiledFlow,
    node: CompiledNode,
    flowId: string | null,
    nodeId: string,
    wait: boolean,
  ): Promise<Cursor | null> {
    const target = flowId === null ? flow : await this.loadFlow(flowId);
    if (!target)
      return this.abort('FLOW_NOT_FOUND', flow.id, node.id, `goTo target flow '${String(flowId)}' not found`);
    if (!target.nodes.has(nodeId)) {
      return this.abort(
        'NODE_NOT_FOUND',
        flow.id,
        node.id,
        `goTo target node '${nodeId}' not found in flow '${target.id}'`,
      );
    }
    if (target.id !== flow.id) {
      this.session.currentFlowId = target.id;
      this.session.callStack = [];
    }
    if (!wait) return { flow: target, nodeId };
    this.session.waitingAt = { flowId: target.id, nodeId };
    this.status = 'waiting';
    return null;
  }

  private async executeFlow(
    flow: CompiledFlow,
    node: CompiledNode,
    flowId: string,
    nodeId: string | null,
  ): Promise<Cursor | null> {
    if (this.session.callStack.length >= MAX_CALL_DEPTH) {
      return this.abort('CALL_DEPTH_LIMIT', flow.id, node.id, `executeFlow nested deeper than ${MAX_CALL_DEPTH} flows`);
    }
    const target = await this.loadFlow(flowId);
    if (!target) return this.abort('FLOW_NOT_FOUND', flow.id, node.id, `executeFlow target flow '${flowId}' not found`);
    this.session.callStack.push({ flowId: flow.id, nodeId: node.id });
    return { flow: target, nodeId: nodeId ?? target.startNodeId };
  }

  private waitForInput(flow: CompiledFlow, resumeAt: string | null): void {
    this.status = 'waiting';
    if (resumeAt !== null) this.session.waitingAt = { flowId: flow.id, nodeId: resumeAt };
    // Without `next`, an executed flow resumes by returning to its caller; a top-level flow simply starts over.
    else if (this.session.callStack.length > 0) this.session.waitingAt = { flowId: flow.id, nodeId: null };
  }

  private countRun(flowId: string, nodeId: string): boolean {
    const key = nodeKey(flowId, nodeId);
    const runs = (this.runsPerNode.get(key) ?? 0) + 1;
    this.runsPerNode.set(key, runs);
    return runs <= MAX_NODE_RUNS_PER_INPUT;
  }

  /** Ends the run without throwing: the conversation continues from the start with the next input. */
  private abort(code: FlowWarningCode, flowId: string, nodeId: string, message: string): null {
    this.warn(code, flowId, nodeId, message);
    this.status = 'aborted';
    this.session.callStack = [];
    this.session.waitingAt = null;
    this.session.activeQuestion = null;
    return null;
  }

  private resetPosition(flowId: string, nodeId: string | null, reason: string): void {
    this.warn('POSITION_RESET', flowId, nodeId, `${reason}; starting over`);
    this.session.callStack = [];
  }

  private warn(code: FlowWarningCode, flowId: string | null, nodeId: string | null, message: string): void {
    this.warnings.push({ code, message, flowId, nodeId });
  }

  /** The flow new inputs start in; if it was deleted after a goTo switched to it, the endpoint's flow. */
  private async currentFlow(): Promise<CompiledFlow> {
    const flow = await this.loadFlow(this.session.currentFlowId);
    if (flow) return flow;
    this.warn(
      'FLOW_NOT_FOUND',
      this.session.currentFlowId,
      null,
      'the current flow no longer exists; using the endpoint flow',
    );
    this.session.currentFlowId = this.rootFlow.id;
    return this.rootFlow;
  }

  private async loadFlow(flowId: string): Promise<CompiledFlow | null> {
    if (!this.flows.has(flowId)) this.flows.set(flowId, await this.deps.loadFlow(flowId));
    return this.flows.get(flowId) ?? null;
  }

  private nodeContext(flow: CompiledFlow, nodeId: string): NodeExecutionContext {
    return {
      flow,
      session: this.session,
      input: this.input,
      scope: this.scope,
      codeRunner: this.deps.codeRunner,
      httpRequester: this.deps.httpRequester,
      random: this.deps.random,
      onScriptError: (error, source) =>
        this.logs.push({
          level: 'debug',
          message: `'${source}' failed: ${errorMessage(error)}`,
          flowId: flow.id,
          nodeId,
        }),
      say: (output) => {
        // A say whose text rendered empty and that has no data would deliver an empty message.
        if ((output.text === null || output.text === '') && output.data === null) return;
        this.outputs.push(output);
      },
      log: (level, message) => this.logs.push({ level, message, flowId: flow.id, nodeId }),
      warn: (code, message) => this.warn(code, flow.id, nodeId, message),
    };
  }
}
