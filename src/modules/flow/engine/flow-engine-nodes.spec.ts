import { describe, expect, it } from 'vitest';
import type { FlowNodeDefinition } from './flow-definition.types.js';
import { compileNodes, engineFor, TestConversation } from './testing/flow-test-kit.js';

function conversationWith(nodes: FlowNodeDefinition[], random?: () => number): TestConversation {
  return new TestConversation(engineFor([compileNodes('f', nodes)], random ? { random } : {}), 'f');
}

describe('say node', () => {
  const variants = ['one', 'two', 'three'];

  it('picks random variants with the injected random source', async () => {
    const sequence = [0.0, 0.99, 0.5];
    const conversation = conversationWith([{ id: 's', type: 'say', text: variants }], () => sequence.shift() ?? 0);
    expect(await conversation.texts('a')).toEqual(['one']);
    expect(await conversation.texts('b')).toEqual(['three']);
    expect(await conversation.texts('c')).toEqual(['two']);
  });

  it('walks linear variants across inputs and stays on the last', async () => {
    const conversation = conversationWith([{ id: 's', type: 'say', text: variants, variantMode: 'linear' }]);
    const said = [];
    for (let i = 0; i < 5; i++) said.push(...(await conversation.texts('x')));
    expect(said).toEqual(['one', 'two', 'three', 'three', 'three']);
  });

  it('cycles loop variants across inputs', async () => {
    const conversation = conversationWith([{ id: 's', type: 'say', text: variants, variantMode: 'loop' }]);
    const said = [];
    for (let i = 0; i < 5; i++) said.push(...(await conversation.texts('x')));
    expect(said).toEqual(['one', 'two', 'three', 'one', 'two']);
  });

  it('renders data recursively and says data without text', async () => {
    const conversation = conversationWith([
      { id: 's', type: 'say', data: { quick: ['{{input.text}}', 'no'], n: '{{input.text.length}}' } },
    ]);
    const result = await conversation.send('yes');
    expect(result.outputs).toEqual([{ text: null, data: { quick: ['yes', 'no'], n: 3 } }]);
  });

  it('renders a failing template as empty text, logs it, and skips a say that rendered to nothing', async () => {
    const conversation = conversationWith([
      { id: 'a', type: 'say', text: 'Hello {{context.user.name}}!', next: 'b' },
      { id: 'b', type: 'say', text: '{{context.user.name}}' },
    ]);
    const result = await conversation.send('x');
    expect(result.outputs).toEqual([{ text: 'Hello !', data: null }]);
    expect(result.logs).toEqual([
      {
        level: 'debug',
        message: expect.stringMatching(/'context.user.name' failed: cannot read 'name'/) as string,
        flowId: 'f',
        nodeId: 'a',
      },
      {
        level: 'debug',
        message: expect.stringMatching(/'context.user.name' failed/) as string,
        flowId: 'f',
        nodeId: 'b',
      },
    ]);
  });

  it('says nodes in order and follows next', async () => {
    const conversation = conversationWith([
      { id: 'a', type: 'say', text: 'first', next: 'b' },
      { id: 'b', type: 'say', text: 'second' },
    ]);
    expect(await conversation.texts('x')).toEqual(['first', 'second']);
  });
});

describe('if node', () => {
  const nodes: FlowNodeDefinition[] = [
    { id: 'if', type: 'if', condition: 'input.text.length > 3', then: 'long', else: 'short' },
    { id: 'long', type: 'say', text: 'long' },
    { id: 'short', type: 'say', text: 'short' },
  ];

  it('takes then or else', async () => {
    const conversation = conversationWith(nodes);
    expect(await conversation.texts('hello')).toEqual(['long']);
    expect(await conversation.texts('hi')).toEqual(['short']);
  });

  it('treats a throwing condition as false', async () => {
    const conversation = conversationWith([
      { ...nodes[0], condition: 'context.missing.deep' } as FlowNodeDefinition,
      nodes[1],
      nodes[2],
    ]);
    expect(await conversation.texts('hello')).toEqual(['short']);
  });

  it('continues at next when the taken branch is empty', async () => {
    const conversation = conversationWith([
      { id: 'if', type: 'if', condition: 'false', then: 'yes', next: 'after' },
      { id: 'yes', type: 'say', text: 'yes' },
      { id: 'after', type: 'say', text: 'after' },
    ]);
    expect(await conversation.texts('x')).toEqual(['after']);
  });
});

describe('lookup node', () => {
  const nodes: FlowNodeDefinition[] = [
    {
      id: 'l',
      type: 'lookup',
      value: 'input.text',
      cases: [
        { value: 'a', next: 'A' },
        { value: 3, next: 'three' },
      ],
      default: 'other',
    },
    { id: 'A', type: 'say', text: 'A' },
    { id: 'three', type: 'say', text: 'three' },
    { id: 'other', type: 'say', text: 'other' },
  ];

  it('takes the matching case, comparing numbers and strings by value, else the default', async () => {
    const conversation = conversationWith(nodes);
    expect(await conversation.texts('a')).toEqual(['A']);
    expect(await conversation.texts('3')).toEqual(['three']);
    expect(await conversation.texts('zzz')).toEqual(['other']);
  });

  it('switches on input.intent by default and falls back to next without a default', async () => {
    const flow = compileNodes(
      'f',
      [
        { id: 'l', type: 'lookup', cases: [{ value: 'greet', next: 'hi' }], next: 'fallback' },
        { id: 'hi', type: 'say', text: 'hi!' },
        { id: 'fallback', type: 'say', text: 'fallback' },
      ],
      { intents: [{ name: 'greet', examples: ['hello'] }] },
    );
    const conversation = new TestConversation(engineFor([flow]), 'f');
    expect(await conversation.texts('hello')).toEqual(['hi!']);
    expect(await conversation.texts('qwerty')).toEqual(['fallback']);
  });
});

describe('addToContext and removeFromContext nodes', () => {
  it('sets raw values and nested keys, appends in array mode, and removes keys', async () => {
    const conversation = conversationWith([
      { id: 'a', type: 'addToContext', key: 'last', value: '{{input.data}}', next: 'b' },
      { id: 'b', type: 'addToContext', key: 'user.name', value: 'User {{input.text}}', next: 'c' },
      { id: 'c', type: 'addToContext', key: 'history', value: '{{input.text}}', mode: 'array', next: 'd' },
      { id: 'd', type: 'addToContext', key: 'temp', value: { at: '{{input.execution}}' }, next: 'e' },
      { id: 'e', type: 'removeFromContext', key: 'temp' },
    ]);
    await conversation.send('one', { data: { n: 1 } });
    const result = await conversation.send('two', { data: { n: 2 } });
    expect(result.session.context).toEqual({ last: { n: 2 }, user: { name: 'User two' }, history: ['one', 'two'] });
  });
});

describe('once node', () => {
  it('takes onFirst the first time in the session and afterwards later', async () => {
    const conversation = conversationWith([
      { id: 'o', type: 'once', onFirst: 'welcome', afterwards: 'back' },
      { id: 'welcome', type: 'say', text: 'Welcome!' },
      { id: 'back', type: 'say', text: 'Welcome back!' },
    ]);
    expect(await conversation.texts('x')).toEqual(['Welcome!']);
    expect(await conversation.texts('x')).toEqual(['Welcome back!']);
    expect(await conversation.texts('x')).toEqual(['Welcome back!']);
  });
});

describe('stop node', () => {
  it('ends the run immediately', async () => {
    const conversation = conversationWith([
      { id: 'a', type: 'say', text: 'before', next: 'stop' },
      { id: 'stop', type: 'stop' },
    ]);
    const result = await conversation.send('x');
    expect(result.outputs.map((output) => output.text)).toEqual(['before']);
    expect(result.status).toBe('stopped');
  });
});
