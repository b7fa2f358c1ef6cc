import { describe, expect, it } from 'vitest';
import { compileFlow } from './compile-flow.js';
import { FlowEngineError, FlowEngineErrorCode } from './flow-engine.errors.js';
import { FlowEngine, newSessionState } from './flow-engine.js';
import type { SessionState } from './session-state.js';
import { compileNodes, engineFor, flowInput, GREETER_FLOW, TestConversation } from './testing/flow-test-kit.js';

describe('FlowEngine: the greeter flow from the contract', () => {
  it('greets, asks the name, uses it, then echoes with linear variants', async () => {
    const conversation = new TestConversation(engineFor([compileFlow(GREETER_FLOW, 'greeter')]), 'greeter');

    const first = await conversation.send('hello there!');
    expect(first.outputs).toEqual([{ text: 'Hi! What is your name?', data: null }]);
    expect(first.status).toBe('waiting');
    expect(first.input).toMatchObject({ intent: 'greet', intentScore: 1, execution: 1 });

    const second = await conversation.send('Ada');
    expect(second.outputs).toEqual([{ text: 'Nice to meet you, Ada!', data: null }]);
    expect(second.status).toBe('completed');
    expect(second.input.result).toBe('Ada');
    expect(second.session.context).toEqual({ name: 'Ada' });

    const third = await conversation.send('what is the weather', { data: { k: 'v' } });
    expect(third.outputs).toEqual([{ text: 'You said: what is the weather', data: { echo: { k: 'v' } } }]);
    expect(third.input.intent).toBeNull();

    expect(await conversation.texts('more')).toEqual(['Echo: more']);
    expect(await conversation.texts('again')).toEqual(['Echo: again']);
    expect(conversation.session?.executionCount).toBe(5);
  });
});

describe('FlowEngine: the input object', () => {
  it('exposes the Cognigy input fields to expressions', async () => {
    const flow = compileNodes('f', [
      {
        id: 'a',
        type: 'say',
        data: {
          input: '{{input}}',
          aliases: '{{ci.userId === input.userId && cc === context && cp === profile}}',
        },
      },
    ]);
    const engine = engineFor([flow], { now: () => new Date('2030-01-02T03:04:05.000Z') });
    const result = await engine.run({
      flowId: 'f',
      session: null,
      input: { ...flowInput('hi', { a: 1 }), channel: 'sms' },
      nlu: true,
    });
    const data = result.outputs[0].data as { input: Record<string, unknown>; aliases: boolean };
    expect(data.aliases).toBe(true);
    expect(data.input).toEqual({
      text: 'hi',
      data: { a: 1 },
      userId: 'u1',
      sessionId: 's1',
      inputId: result.input.inputId,
      traceId: result.input.traceId,
      URLToken: 'token',
      channel: 'sms',
      execution: 1,
      intent: null,
      intentScore: null,
      result: null,
      activeQuestion: null,
      currentTime: '2030-01-02T03:04:05.000Z',
    });
  });

  it("uses channel 'webhook' by default and skips NLU when disabled", async () => {
    const engine = engineFor([compileFlow(GREETER_FLOW, 'greeter')]);
    const result = await engine.run({ flowId: 'greeter', session: null, input: flowInput('hello there'), nlu: false });
    expect(result.input).toMatchObject({ channel: 'webhook', intent: null, intentScore: null });
    expect(result.outputs[0].text).toBe('You said: hello there');
  });

  it('recognises cIntent:<name> as a forced intent', async () => {
    const conversation = new TestConversation(engineFor([compileFlow(GREETER_FLOW, 'greeter')]), 'greeter');
    expect(await conversation.texts('cIntent:greet')).toEqual(['Hi! What is your name?']);
  });
});

describe('FlowEngine: sessions', () => {
  it('starts a session from a deep copy of defaultContext', () => {
    const flow = compileNodes('f', [{ id: 'a', type: 'stop' }], { defaultContext: { cart: { items: [] } } });
    const session = newSessionState(flow);
    (session.context.cart as { items: unknown[] }).items.push('x');
    expect(newSessionState(flow).context).toEqual({ cart: { items: [] } });
    expect(session).toMatchObject({ rootFlowId: 'f', currentFlowId: 'f', executionCount: 0, callStack: [] });
  });

  it('never modifies or aliases the session passed in', async () => {
    const flow = compileNodes('f', [
      { id: 'a', type: 'addToContext', key: 'list', value: '{{input.text}}', mode: 'array', next: 'b' },
      { id: 'b', type: 'say', text: '{{context.list.length}}' },
    ]);
    const engine = engineFor([flow]);
    const stored = { ...newSessionState(flow), context: { list: ['x'] } };
    const snapshot = structuredClone(stored);
    const result = await engine.run({ flowId: 'f', session: stored, input: flowInput('y'), nlu: false });
    expect(stored).toEqual(snapshot);
    expect(result.session.context).toEqual({ list: ['x', 'y'] });
    expect(result.session.context.list).not.toBe(stored.context.list);
    expect(result.outputs[0].text).toBe('2');
  });

  it('is JSON-serialisable between inputs', async () => {
    const flow = compileFlow(GREETER_FLOW, 'greeter');
    const engine = engineFor([flow]);
    const first = await engine.run({ flowId: 'greeter', session: null, input: flowInput('hi'), nlu: true });
    const stored = JSON.parse(JSON.stringify(first.session)) as typeof first.session;
    const second = await engine.run({ flowId: 'greeter', session: stored, input: flowInput('Bob'), nlu: true });
    expect(second.outputs.map((output) => output.text)).toEqual(['Nice to meet you, Bob!']);
  });

  it("starts over, keeping the context, when the endpoint's flow changed", async () => {
    const oldFlow = compileNodes('old', [
      { id: 'q', type: 'question', text: 'Old question?', next: 'x' },
      { id: 'x', type: 'stop' },
    ]);
    const newFlow = compileNodes('new', [{ id: 'hello', type: 'say', text: 'New flow, {{context.name}}' }]);
    const engine = engineFor([oldFlow, newFlow]);
    const first = await engine.run({ flowId: 'old', session: null, input: flowInput('hi'), nlu: false });
    first.session.context.name = 'Ada';
    const second = await engine.run({ flowId: 'new', session: first.session, input: flowInput('hi'), nlu: false });
    expect(second.outputs.map((output) => output.text)).toEqual(['New flow, Ada']);
    expect(second.session).toMatchObject({ rootFlowId: 'new', currentFlowId: 'new', activeQuestion: null });
  });

  it('repairs a damaged or partial stored session instead of failing', async () => {
    const flow = compileNodes(
      'f',
      [{ id: 'a', type: 'say', text: 'run {{input.execution}} {{context.x ?? "no x"}}' }],
      {
        defaultContext: { x: 'default' },
      },
    );
    const damaged = { rootFlowId: 'f', context: null, callStack: 'nope' } as unknown as SessionState;
    const result = await engineFor([flow]).run({ flowId: 'f', session: damaged, input: flowInput('hi'), nlu: false });
    expect(result.outputs.map((output) => output.text)).toEqual(['run 1 default']);
    expect(result.session).toMatchObject({ version: 1, currentFlowId: 'f', callStack: [], onceFlags: {} });
  });

  it('throws FLOW_NOT_FOUND when the flow to run does not exist', async () => {
    const engine = new FlowEngine({ loadFlow: () => Promise.resolve(null) });
    await expect(engine.run({ flowId: 'nope', session: null, input: flowInput('x'), nlu: true })).rejects.toMatchObject(
      {
        code: FlowEngineErrorCode.FlowNotFound,
      },
    );
    await expect(
      engine.run({ flowId: 'nope', session: null, input: flowInput('x'), nlu: true }),
    ).rejects.toBeInstanceOf(FlowEngineError);
  });
});
