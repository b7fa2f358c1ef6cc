import { describe, expect, it } from 'vitest';
import type { CompiledFlow } from './compiled-flow.types.js';
import { MAX_CALL_DEPTH } from './flow-run.types.js';
import { compileNodes, engineFor, TestConversation } from './testing/flow-test-kit.js';

function talk(flows: CompiledFlow[], flowId = 'main'): TestConversation {
  return new TestConversation(engineFor(flows), flowId);
}

describe('goTo node', () => {
  it('continues at a node of the same flow', async () => {
    const conversation = talk([
      compileNodes('main', [
        { id: 'a', type: 'say', text: 'a', next: 'jump' },
        { id: 'jump', type: 'goTo', target: { nodeId: 'c' } },
        { id: 'c', type: 'say', text: 'c' },
      ]),
    ]);
    expect(await conversation.texts('x')).toEqual(['a', 'c']);
  });

  it('in wait mode stops, and the next input starts at the target', async () => {
    const conversation = talk([
      compileNodes('main', [
        { id: 'a', type: 'say', text: 'first input', next: 'jump' },
        { id: 'jump', type: 'goTo', target: { nodeId: 'later' }, mode: 'wait' },
        { id: 'later', type: 'say', text: 'second input: {{input.text}}' },
      ]),
    ]);
    const first = await conversation.send('one');
    expect(first.outputs.map((output) => output.text)).toEqual(['first input']);
    expect(first.status).toBe('waiting');
    expect(await conversation.texts('two')).toEqual(['second input: two']);
    expect(await conversation.texts('three')).toEqual(['first input']);
  });

  it('switches the conversation to another flow: later inputs start there', async () => {
    const conversation = talk([
      compileNodes('main', [
        { id: 'a', type: 'say', text: 'main', next: 'jump' },
        { id: 'jump', type: 'goTo', target: { flowId: 'support', nodeId: 's2' } },
      ]),
      compileNodes('support', [
        { id: 's1', type: 'say', text: 'support start', next: 's2' },
        { id: 's2', type: 'say', text: 'support s2' },
      ]),
    ]);
    expect(await conversation.texts('x')).toEqual(['main', 'support s2']);
    expect(conversation.session?.currentFlowId).toBe('support');
    expect(await conversation.texts('y')).toEqual(['support start', 'support s2']);
  });

  it('aborts with a warning when the target flow or node does not exist', async () => {
    const missingFlow = talk([
      compileNodes('main', [{ id: 'jump', type: 'goTo', target: { flowId: 'ghost', nodeId: 'x' } }]),
    ]);
    const result = await missingFlow.send('x');
    expect(result.status).toBe('aborted');
    expect(result.warnings).toEqual([
      { code: 'FLOW_NOT_FOUND', flowId: 'main', nodeId: 'jump', message: "goTo target flow 'ghost' not found" },
    ]);

    const missingNode = talk([
      compileNodes('main', [{ id: 'jump', type: 'goTo', target: { flowId: 'other', nodeId: 'nope' } }]),
      compileNodes('other', [{ id: 'o', type: 'stop' }]),
    ]);
    expect((await missingNode.send('x')).warnings).toMatchObject([{ code: 'NODE_NOT_FOUND', nodeId: 'jump' }]);
  });
});

describe('loop protection', () => {
  it('stops a goTo cycle when a node would run a 5th time, without throwing', async () => {
    const conversation = talk([
      compileNodes('main', [
        { id: 'a', type: 'say', text: 'tick {{input.execution}}', next: 'back' },
        { id: 'back', type: 'goTo', target: { nodeId: 'a' } },
      ]),
    ]);
    const result = await conversation.send('x');
    expect(result.outputs).toHaveLength(4);
    expect(result.status).toBe('aborted');
    expect(result.warnings).toEqual([
      {
        code: 'LOOP_LIMIT',
        flowId: 'main',
        nodeId: 'a',
        message: "node 'a' ran 4 times for this input; stopped the run",
      },
    ]);
    // The limit is per input: the next input runs the path again from the start.
    expect((await conversation.send('y')).outputs).toHaveLength(4);
  });

  it('allows a node to run 4 times per input', async () => {
    const conversation = talk([
      compileNodes(
        'main',
        [
          { id: 'count', type: 'addToContext', key: 'n', value: '{{(context.n ?? 0) + 1}}', next: 'check' },
          { id: 'check', type: 'if', condition: 'context.n < 4', then: 'back', else: 'done' },
          { id: 'back', type: 'goTo', target: { nodeId: 'count' } },
          { id: 'done', type: 'say', text: 'n={{context.n}}' },
        ],
        {},
      ),
    ]);
    const result = await conversation.send('x');
    expect(result.outputs.map((output) => output.text)).toEqual(['n=4']);
    expect(result.status).toBe('completed');
  });
});

describe('waitForInput node', () => {
  it('stops, and the next input continues at next', async () => {
    const conversation = talk([
      compileNodes('main', [
        { id: 'a', type: 'say', text: 'Tell me something', next: 'wait' },
        { id: 'wait', type: 'waitForInput', next: 'b' },
        { id: 'b', type: 'say', text: 'You told me {{input.text}}' },
      ]),
    ]);
    expect(await conversation.texts('hi')).toEqual(['Tell me something']);
    expect(conversation.session?.waitingAt).toEqual({ flowId: 'main', nodeId: 'b' });
    expect(await conversation.texts('a secret')).toEqual(['You told me a secret']);
    expect(await conversation.texts('again')).toEqual(['Tell me something']);
  });

  it('without next inside an executed flow, returns to the caller on the next input', async () => {
    const conversation = talk([
      compileNodes('main', [
        { id: 'call', type: 'executeFlow', flowId: 'sub', next: 'after' },
        { id: 'after', type: 'say', text: 'back in main with {{input.text}}' },
      ]),
      compileNodes('sub', [
        { id: 's', type: 'say', text: 'in sub', next: 'wait' },
        { id: 'wait', type: 'waitForInput' },
      ]),
    ]);
    expect(await conversation.texts('x')).toEqual(['in sub']);
    expect(await conversation.texts('y')).toEqual(['back in main with y']);
  });
});

describe('executeFlow node', () => {
  it('runs the other flow from its start, then returns to next', async () => {
    const conversation = talk([
      compileNodes('main', [
        { id: 'a', type: 'say', text: 'before', next: 'call' },
        { id: 'call', type: 'executeFlow', flowId: 'sub', next: 'b' },
        { id: 'b', type: 'say', text: 'after' },
      ]),
      compileNodes('sub', [
        { id: 's1', type: 'say', text: 'sub 1', next: 's2' },
        { id: 's2', type: 'say', text: 'sub 2' },
      ]),
    ]);
    expect(await conversation.texts('x')).toEqual(['before', 'sub 1', 'sub 2', 'after']);
    expect(conversation.session?.callStack).toEqual([]);
    expect(conversation.session?.currentFlowId).toBe('main');
  });

  it('starts at the given node and unwinds nested calls', async () => {
    const conversation = talk([
      compileNodes('main', [
        { id: 'call', type: 'executeFlow', flowId: 'mid', next: 'end' },
        { id: 'end', type: 'say', text: 'main end' },
      ]),
      compileNodes('mid', [
        { id: 'm0', type: 'say', text: 'mid', next: 'm1' },
        { id: 'm1', type: 'executeFlow', flowId: 'leaf', nodeId: 'l2' },
      ]),
      compileNodes('leaf', [
        { id: 'l1', type: 'say', text: 'not said: execution starts at l2', next: 'l2' },
        { id: 'l2', type: 'say', text: 'leaf l2' },
      ]),
    ]);
    expect(await conversation.texts('x')).toEqual(['mid', 'leaf l2', 'main end']);
  });

  it(`aborts when calls nest deeper than ${MAX_CALL_DEPTH}`, async () => {
    const chain: CompiledFlow[] = Array.from({ length: MAX_CALL_DEPTH + 2 }, (_, i) =>
      compileNodes(`f${i}`, [{ id: 'call', type: 'executeFlow', flowId: `f${i + 1}` }]),
    );
    const deep = await talk(chain, 'f0').send('x');
    expect(deep.status).toBe('aborted');
    expect(deep.warnings).toEqual([
      {
        code: 'CALL_DEPTH_LIMIT',
        flowId: `f${MAX_CALL_DEPTH}`,
        nodeId: 'call',
        message: `executeFlow nested deeper than ${MAX_CALL_DEPTH} flows`,
      },
    ]);
    expect(deep.session.callStack).toEqual([]);
  });

  it('aborts with a warning when the flow to execute does not exist', async () => {
    const result = await talk([compileNodes('main', [{ id: 'call', type: 'executeFlow', flowId: 'ghost' }])]).send('x');
    expect(result.warnings).toMatchObject([{ code: 'FLOW_NOT_FOUND', nodeId: 'call' }]);
  });

  it('does not return to the caller after a goTo switched flows', async () => {
    const conversation = talk([
      compileNodes('main', [
        { id: 'call', type: 'executeFlow', flowId: 'sub', next: 'after' },
        { id: 'after', type: 'say', text: 'after' },
      ]),
      compileNodes('sub', [{ id: 'jump', type: 'goTo', target: { flowId: 'other', nodeId: 'o' } }]),
      compileNodes('other', [{ id: 'o', type: 'say', text: 'other' }]),
    ]);
    expect(await conversation.texts('x')).toEqual(['other']);
    expect(conversation.session?.currentFlowId).toBe('other');
  });
});
