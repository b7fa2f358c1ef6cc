import { compileFlow } from '../compile-flow.js';
import type { CompiledFlow } from '../compiled-flow.types.js';
import type { FlowDefinition, FlowNodeDefinition } from '../flow-definition.types.js';
import { FlowEngine } from '../flow-engine.js';
import type { FlowEngineDeps, FlowInput, FlowRunResult } from '../flow-run.types.js';
import type { SessionState } from '../session-state.js';

/** Test helpers for engine specs (not used by production code). */

/** The example flow of CONTRACT.md, "Flows". */
export const GREETER_FLOW: FlowDefinition = {
  name: 'Greeter',
  defaultContext: {},
  intentThreshold: 0.4,
  intents: [{ name: 'greet', examples: ['hi', 'hello there'] }],
  startNodeId: 'n1',
  nodes: [
    { id: 'n1', type: 'lookup', value: 'input.intent', cases: [{ value: 'greet', next: 'n2' }], default: 'n3' },
    {
      id: 'n2',
      type: 'question',
      text: 'Hi! What is your name?',
      questionType: 'text',
      contextKey: 'name',
      next: 'n4',
    },
    { id: 'n4', type: 'say', text: 'Nice to meet you, {{context.name}}!' },
    {
      id: 'n3',
      type: 'say',
      text: ['You said: {{input.text}}', 'Echo: {{input.text}}'],
      variantMode: 'linear',
      data: { echo: '{{input.data}}' },
    },
  ],
};

export function flowDefinition(nodes: FlowNodeDefinition[], extra: Partial<FlowDefinition> = {}): FlowDefinition {
  return { name: 'Test flow', startNodeId: nodes[0]?.id ?? 'start', nodes, ...extra };
}

export function compileNodes(
  id: string,
  nodes: FlowNodeDefinition[],
  extra: Partial<FlowDefinition> = {},
): CompiledFlow {
  return compileFlow(flowDefinition(nodes, extra), id);
}

export function engineFor(flows: CompiledFlow[], deps: Omit<FlowEngineDeps, 'loadFlow'> = {}): FlowEngine {
  const byId = new Map(flows.map((flow) => [flow.id, flow]));
  return new FlowEngine({ loadFlow: (flowId) => Promise.resolve(byId.get(flowId) ?? null), ...deps });
}

let inputCounter = 0;

export function flowInput(text: string | null, data: Record<string, unknown> | null = null): FlowInput {
  inputCounter += 1;
  return {
    text,
    data,
    userId: 'u1',
    sessionId: 's1',
    inputId: `in-${inputCounter}`,
    traceId: `trace-${inputCounter}`,
    urlToken: 'token',
  };
}

/** One session talking to one flow; keeps the session between inputs like the pipeline does. */
export class TestConversation {
  session: SessionState | null = null;

  constructor(
    private readonly engine: FlowEngine,
    private readonly flowId: string,
  ) {}

  async send(
    text: string | null,
    options: { data?: Record<string, unknown>; nlu?: boolean } = {},
  ): Promise<FlowRunResult> {
    const result = await this.engine.run({
      flowId: this.flowId,
      session: this.session,
      input: flowInput(text, options.data ?? null),
      nlu: options.nlu ?? true,
    });
    this.session = result.session;
    return result;
  }

  /** Sends an input and returns just the texts said. */
  async texts(
    text: string | null,
    options: { data?: Record<string, unknown>; nlu?: boolean } = {},
  ): Promise<(string | null)[]> {
    return (await this.send(text, options)).outputs.map((output) => output.text);
  }
}
