import { describe, expect, it } from 'vitest';
import { compileFlow } from './compile-flow.js';
import type { FlowNodeDefinition } from './flow-definition.types.js';
import { FlowEngineError, FlowEngineErrorCode } from './flow-engine.errors.js';
import { flowDefinition, GREETER_FLOW } from './testing/flow-test-kit.js';
import { validateFlowDefinition, type FlowValidationError } from './validate-flow.js';

/** Loosely typed on purpose: these tests feed the validator what a careless client might send. */
type RawNode = Record<string, unknown>;

function validateNodes(nodes: RawNode[], extra: Record<string, unknown> = {}): FlowValidationError[] {
  return validateFlowDefinition({ ...flowDefinition(nodes as unknown as FlowNodeDefinition[]), ...extra });
}

/** A node followed by a trailing say so that references to 'end' resolve. */
function withEnd(node: RawNode): RawNode[] {
  return [node, { id: 'end', type: 'say', text: 'bye' }];
}

describe('validateFlowDefinition: valid flows', () => {
  it('accepts the greeter flow from the contract', () => {
    expect(validateFlowDefinition(GREETER_FLOW)).toEqual([]);
  });

  it('accepts every node type with its optional fields', () => {
    const nodes: RawNode[] = [
      { id: 'a', type: 'say', text: ['x', 'y'], variantMode: 'loop', data: { k: '{{input.text}}' }, next: 'b' },
      {
        id: 'b',
        type: 'question',
        text: 'Code?',
        questionType: 'regex',
        pattern: '^\\d+$',
        contextKey: 'user.code',
        reprompt: 'Digits please',
        maxReprompts: 2,
        escalate: 'c',
        next: 'c',
      },
      { id: 'c', type: 'if', condition: 'context.user.code > 10', then: 'd', else: 'e' },
      { id: 'd', type: 'lookup', cases: [{ value: 'greet', next: 'e' }], default: 'e' },
      { id: 'e', type: 'code', code: 'actions.say("x")', next: 'f' },
      { id: 'f', type: 'addToContext', key: 'list', value: '{{input.text}}', mode: 'array', next: 'g' },
      { id: 'g', type: 'removeFromContext', key: 'list', next: 'h' },
      { id: 'h', type: 'once', onFirst: 'i', afterwards: 'j' },
      { id: 'i', type: 'executeFlow', flowId: 'other', nodeId: 'x', next: 'j' },
      { id: 'j', type: 'waitForInput', next: 'k' },
      {
        id: 'k',
        type: 'httpRequest',
        method: 'post',
        url: 'https://api.example.com/{{context.id}}',
        headers: { authorization: 'Bearer {{context.token}}' },
        body: { q: '{{input.text}}' },
        contextKey: 'api',
        timeoutMs: 5000,
        next: 'l',
      },
      { id: 'l', type: 'goTo', target: { nodeId: 'm' }, mode: 'wait' },
      { id: 'm', type: 'stop' },
    ];
    expect(validateNodes(nodes)).toEqual([]);
  });
});

describe('validateFlowDefinition: top level', () => {
  it('rejects a definition that is not an object', () => {
    expect(validateFlowDefinition('flow')).toEqual([
      { nodeId: null, field: '', message: 'the flow definition must be a JSON object' },
    ]);
  });

  it('reports a missing name, start node and nodes', () => {
    expect(validateFlowDefinition({ name: ' ' })).toEqual([
      { nodeId: null, field: 'name', message: 'must be a non-empty string' },
      { nodeId: null, field: 'nodes', message: 'must be a non-empty array' },
      { nodeId: null, field: 'startNodeId', message: 'must be a non-empty string' },
    ]);
  });

  it('reports an unknown start node', () => {
    expect(validateNodes([{ id: 'a', type: 'stop' }], { startNodeId: 'zz' })).toContainEqual({
      nodeId: null,
      field: 'startNodeId',
      message: "refers to unknown node 'zz'",
    });
  });

  it('checks intentThreshold, defaultContext and intents', () => {
    const errors = validateNodes([{ id: 'a', type: 'stop' }], {
      intentThreshold: 1.5,
      defaultContext: [],
      intents: [
        { name: 'greet', examples: ['hi'] },
        { name: 'greet', examples: ['hello'] },
        { name: '', examples: ['x'] },
        { name: 'empty', examples: [] },
        { name: 'blank', examples: ['ok', ' '] },
      ],
    });
    expect(errors).toEqual([
      { nodeId: null, field: 'defaultContext', message: 'must be an object' },
      { nodeId: null, field: 'intentThreshold', message: 'must be a number from 0 to 1' },
      { nodeId: null, field: 'intents[1].name', message: "duplicates intent 'greet'" },
      { nodeId: null, field: 'intents[2].name', message: 'must be a non-empty string' },
      { nodeId: null, field: 'intents[3].examples', message: 'must be a non-empty array of example sentences' },
      { nodeId: null, field: 'intents[4].examples[1]', message: 'must be a non-empty string' },
    ]);
  });
});

describe('validateFlowDefinition: nodes', () => {
  it('reports non-object nodes, missing and duplicate ids and unknown types', () => {
    const errors = validateNodes([
      { id: 'a', type: 'say', text: 'x', next: 'b' },
      { id: 'a', type: 'stop' },
      'nope' as unknown as RawNode,
      { type: 'stop' },
      { id: 'b', type: 'teleport' },
    ]);
    expect(errors).toEqual([
      { nodeId: 'a', field: 'nodes[1].id', message: 'duplicates the id of nodes[0]' },
      { nodeId: null, field: 'nodes[2]', message: 'must be an object' },
      { nodeId: null, field: 'nodes[3].id', message: 'must be a non-empty string' },
      {
        nodeId: 'b',
        field: 'nodes[4].type',
        message: expect.stringMatching(/^unknown node type 'teleport' \(expected one of say, question/) as string,
      },
      { nodeId: 'a', field: 'nodes[0].next', message: "refers to unknown node 'b'" },
    ]);
  });

  it.each<[string, RawNode, string, string]>([
    ['say without text or data', { id: 'n', type: 'say' }, 'nodes[0].text', 'a say node needs text, data or both'],
    [
      'say with empty variants',
      { id: 'n', type: 'say', text: [] },
      'nodes[0].text',
      'must be a string or a non-empty array of strings',
    ],
    ['say with non-object data', { id: 'n', type: 'say', data: 'x' }, 'nodes[0].data', 'must be an object'],
    [
      'say with a bad variantMode',
      { id: 'n', type: 'say', text: 'x', variantMode: 'shuffle' },
      'nodes[0].variantMode',
      'must be one of random, linear, loop',
    ],
    ['question without text', { id: 'n', type: 'question' }, 'nodes[0].text', 'is required'],
    [
      'question with a bad type',
      { id: 'n', type: 'question', text: 'q', questionType: 'date' },
      'nodes[0].questionType',
      'must be one of text, yesNo, number, email, regex',
    ],
    [
      'regex question without pattern',
      { id: 'n', type: 'question', text: 'q', questionType: 'regex' },
      'nodes[0].pattern',
      'is required',
    ],
    [
      'question with negative maxReprompts',
      { id: 'n', type: 'question', text: 'q', maxReprompts: -1 },
      'nodes[0].maxReprompts',
      'must be an integer from 0 to 1000',
    ],
    [
      'question with a bad contextKey',
      { id: 'n', type: 'question', text: 'q', contextKey: '__proto__.x' },
      'nodes[0].contextKey',
      "'__proto__.x' is not a valid context key (dot-separated names, no reserved names)",
    ],
    ['if without condition', { id: 'n', type: 'if' }, 'nodes[0].condition', 'is required'],
    ['lookup without cases', { id: 'n', type: 'lookup' }, 'nodes[0].cases', 'is required'],
    [
      'lookup case with an object value',
      { id: 'n', type: 'lookup', cases: [{ value: {}, next: 'n' }] },
      'nodes[0].cases[0].value',
      'must be a string, number or boolean',
    ],
    [
      'lookup case without next',
      { id: 'n', type: 'lookup', cases: [{ value: 'a' }] },
      'nodes[0].cases[0].next',
      'must be a node id',
    ],
    ['code without code', { id: 'n', type: 'code', code: '' }, 'nodes[0].code', 'must not be empty'],
    ['addToContext without key', { id: 'n', type: 'addToContext', value: 1 }, 'nodes[0].key', 'is required'],
    ['addToContext without value', { id: 'n', type: 'addToContext', key: 'k' }, 'nodes[0].value', 'is required'],
    [
      'addToContext with a bad mode',
      { id: 'n', type: 'addToContext', key: 'k', value: 1, mode: 'merge' },
      'nodes[0].mode',
      'must be one of simple, array',
    ],
    [
      'removeFromContext with a bad key',
      { id: 'n', type: 'removeFromContext', key: 'a..b' },
      'nodes[0].key',
      "'a..b' is not a valid context key (dot-separated names, no reserved names)",
    ],
    ['goTo without target', { id: 'n', type: 'goTo' }, 'nodes[0].target', 'is required'],
    [
      'goTo without target node',
      { id: 'n', type: 'goTo', target: { flowId: 'f' } },
      'nodes[0].target.nodeId',
      'must be a non-empty string',
    ],
    [
      'goTo with a bad mode',
      { id: 'n', type: 'goTo', target: { nodeId: 'n' }, mode: 'later' },
      'nodes[0].mode',
      'must be one of continue, wait',
    ],
    ['executeFlow without flowId', { id: 'n', type: 'executeFlow' }, 'nodes[0].flowId', 'is required'],
    ['httpRequest without url', { id: 'n', type: 'httpRequest', contextKey: 'r' }, 'nodes[0].url', 'is required'],
    [
      'httpRequest without contextKey',
      { id: 'n', type: 'httpRequest', url: 'https://x' },
      'nodes[0].contextKey',
      'is required',
    ],
    [
      'httpRequest with a bad method',
      { id: 'n', type: 'httpRequest', url: 'https://x', contextKey: 'r', method: 'FETCH' },
      'nodes[0].method',
      'must be one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS',
    ],
    [
      'httpRequest with a bad timeout',
      { id: 'n', type: 'httpRequest', url: 'https://x', contextKey: 'r', timeoutMs: 0 },
      'nodes[0].timeoutMs',
      'must be an integer from 1 to 60000',
    ],
    [
      'httpRequest with non-string headers',
      { id: 'n', type: 'httpRequest', url: 'https://x', contextKey: 'r', headers: { a: 1 } },
      'nodes[0].headers.a',
      'must be a string',
    ],
    ['a non-string next', { id: 'n', type: 'say', text: 'x', next: 3 }, 'nodes[0].next', 'must be a string'],
  ])('%s', (_name, node, field, message) => {
    expect(validateNodes([node])).toContainEqual({ nodeId: 'n', field, message });
  });

  it('reports an invalid regex pattern', () => {
    const errors = validateNodes([{ id: 'n', type: 'question', text: 'q', questionType: 'regex', pattern: '([a-z' }]);
    expect(errors).toEqual([
      {
        nodeId: 'n',
        field: 'nodes[0].pattern',
        message: expect.stringMatching(/^is not a valid regular expression/) as string,
      },
    ]);
  });
});

describe('validateFlowDefinition: references', () => {
  it.each<[string, RawNode, string]>([
    ['next', { id: 'n', type: 'say', text: 'x', next: 'n9' }, 'nodes[0].next'],
    ['then', { id: 'n', type: 'if', condition: 'true', then: 'n9' }, 'nodes[0].then'],
    ['else', { id: 'n', type: 'if', condition: 'true', else: 'n9' }, 'nodes[0].else'],
    ['a case', { id: 'n', type: 'lookup', cases: [{ value: 'a', next: 'n9' }] }, 'nodes[0].cases[0].next'],
    ['default', { id: 'n', type: 'lookup', cases: [], default: 'n9' }, 'nodes[0].default'],
    ['escalate', { id: 'n', type: 'question', text: 'q', escalate: 'n9' }, 'nodes[0].escalate'],
    ['onFirst', { id: 'n', type: 'once', onFirst: 'n9' }, 'nodes[0].onFirst'],
    ['afterwards', { id: 'n', type: 'once', afterwards: 'n9' }, 'nodes[0].afterwards'],
    ['a same-flow goTo target', { id: 'n', type: 'goTo', target: { nodeId: 'n9' } }, 'nodes[0].target.nodeId'],
  ])('reports an unknown node in %s', (_name, node, field) => {
    expect(validateNodes(withEnd(node))).toContainEqual({ nodeId: 'n', field, message: "refers to unknown node 'n9'" });
  });

  it('checks flow ids against knownFlowIds, and leaves nodes of other flows to run time', () => {
    const definition = flowDefinition([
      { id: 'a', type: 'executeFlow', flowId: 'billing', nodeId: 'anything', next: 'b' },
      { id: 'b', type: 'goTo', target: { flowId: 'ghost', nodeId: 'x' } },
    ]);
    expect(validateFlowDefinition(definition, { knownFlowIds: new Set(['billing']) })).toEqual([
      { nodeId: 'b', field: 'nodes[1].target.flowId', message: "refers to unknown flow 'ghost'" },
    ]);
    expect(validateFlowDefinition(definition)).toEqual([]);
  });

  it('checks node ids of goTo targets naming the flow itself', () => {
    const definition = flowDefinition([{ id: 'a', type: 'goTo', target: { flowId: 'self', nodeId: 'zz' } }]);
    expect(validateFlowDefinition(definition, { flowId: 'self', knownFlowIds: new Set() })).toEqual([
      { nodeId: 'a', field: 'nodes[0].target.nodeId', message: "refers to unknown node 'zz'" },
    ]);
  });

  it('reports nodes unreachable from the start node', () => {
    const errors = validateNodes([
      { id: 'start', type: 'say', text: 'x' },
      { id: 'island', type: 'say', text: 'y', next: 'island2' },
      { id: 'island2', type: 'say', text: 'z' },
    ]);
    expect(errors).toEqual([
      { nodeId: 'island', field: 'nodes[1]', message: "is not reachable from the start node 'start'" },
      { nodeId: 'island2', field: 'nodes[2]', message: "is not reachable from the start node 'start'" },
    ]);
  });
});

describe('validateFlowDefinition: expressions', () => {
  it.each<[string, RawNode, string, RegExp]>([
    [
      'a say variant',
      { id: 'n', type: 'say', text: ['ok', 'Hi {{ input.text + }}'] },
      'nodes[0].text[1]',
      /invalid expression/,
    ],
    [
      'say data',
      { id: 'n', type: 'say', data: { a: { b: '{{ new Date() }}' } } },
      'nodes[0].data.a.b',
      /'new' is not allowed/,
    ],
    ['a condition', { id: 'n', type: 'if', condition: 'input.text ===' }, 'nodes[0].condition', /invalid expression/],
    [
      'a lookup value',
      { id: 'n', type: 'lookup', value: 'input.constructor', cases: [] },
      'nodes[0].value',
      /access to 'constructor'/,
    ],
    [
      'a question text',
      { id: 'n', type: 'question', text: '{{ contxt.name }}' },
      'nodes[0].text',
      /unknown variable 'contxt'/,
    ],
    [
      'an addToContext value',
      { id: 'n', type: 'addToContext', key: 'k', value: ['{{ this }}'] },
      'nodes[0].value[0]',
      /'this' is not allowed/,
    ],
    [
      'an http url',
      { id: 'n', type: 'httpRequest', url: 'https://x/{{ a b }}', contextKey: 'r' },
      'nodes[0].url',
      /expected '}}'/,
    ],
    [
      'an http header',
      { id: 'n', type: 'httpRequest', url: 'https://x', contextKey: 'r', headers: { h: '{{}}' } },
      'nodes[0].headers.h',
      /empty/,
    ],
  ])('reports a bad expression in %s with its field', (_name, node, field, message) => {
    const errors = validateNodes([node]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toEqual({ nodeId: 'n', field, message: expect.stringMatching(message) as string });
  });
});

describe('compileFlow', () => {
  it('returns the compiled flow with its id, threshold and nodes', () => {
    const flow = compileFlow(GREETER_FLOW, 'flow-1');
    expect(flow.id).toBe('flow-1');
    expect(flow.intentThreshold).toBe(0.4);
    expect([...flow.nodes.keys()]).toEqual(['n1', 'n2', 'n4', 'n3']);
    expect(flow.nodes.get('n1')).toMatchObject({ type: 'lookup', default: 'n3', next: null });
  });

  it('applies defaults: threshold 0.4, lookup on input.intent, random variants, GET requests', () => {
    const flow = compileFlow(
      flowDefinition([
        { id: 'a', type: 'lookup', cases: [], next: 'b' },
        { id: 'b', type: 'say', text: ['x', 'y'], next: 'c' },
        { id: 'c', type: 'httpRequest', url: 'https://x', contextKey: 'r' },
      ]),
      'f',
    );
    expect(flow.intentThreshold).toBe(0.4);
    expect(flow.nodes.get('a')).toMatchObject({ value: { source: 'input.intent' } });
    expect(flow.nodes.get('b')).toMatchObject({ variantMode: 'random' });
    expect(flow.nodes.get('c')).toMatchObject({ method: 'GET', timeoutMs: 10_000 });
  });

  it('throws FLOW_DEFINITION_INVALID with every error', () => {
    const invalid = flowDefinition([{ id: 'a', type: 'say', next: 'nowhere' } as unknown as FlowNodeDefinition]);
    let thrown: unknown;
    try {
      compileFlow(invalid, 'f');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(FlowEngineError);
    const error = thrown as FlowEngineError;
    expect(error.code).toBe(FlowEngineErrorCode.FlowDefinitionInvalid);
    expect(error.validationErrors).toHaveLength(2);
    expect(error.message).toMatch(/flow 'f' is invalid: nodes\[0\]\.text .* \(and 1 more\)/);
  });
});
