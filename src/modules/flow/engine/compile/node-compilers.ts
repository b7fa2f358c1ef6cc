import type { CompiledTemplate } from '../cognigy-script/index.js';
import type { CompiledNode } from '../compiled-flow.types.js';
import {
  DEFAULT_HTTP_TIMEOUT_MS,
  DEFAULT_LOOKUP_VALUE,
  HTTP_METHODS,
  MAX_HTTP_TIMEOUT_MS,
  type FlowNodeType,
  type HttpMethod,
  type LookupCaseDefinition,
} from '../flow-definition.types.js';
import {
  isPlainObject,
  NodeReader,
  PLACEHOLDER_EXPRESSION,
  PLACEHOLDER_JSON,
  PLACEHOLDER_PATH,
  PLACEHOLDER_TEMPLATE,
} from './node-reader.js';

type NodeCompilers = { readonly [T in FlowNodeType]: (reader: NodeReader) => Extract<CompiledNode, { type: T }> };

const MAX_REPROMPTS = 1000;

function base(reader: NodeReader): { id: string; next: string | null } {
  return { id: reader.nodeId, next: reader.nodeRef('next') };
}

function sayVariants(reader: NodeReader): CompiledTemplate[] {
  const text = reader.value('text');
  if (text === undefined || text === null) return [];
  if (typeof text === 'string') return [reader.templateOf('text', text) ?? PLACEHOLDER_TEMPLATE];
  if (!Array.isArray(text) || text.length === 0 || !text.every((item) => typeof item === 'string')) {
    reader.error('text', 'must be a string or a non-empty array of strings');
    return [PLACEHOLDER_TEMPLATE];
  }
  return text.map((item: string, index) => reader.templateOf(`text[${index}]`, item) ?? PLACEHOLDER_TEMPLATE);
}

function lookupCases(reader: NodeReader): LookupCaseDefinition[] {
  const cases = reader.value('cases');
  if (!Array.isArray(cases)) {
    reader.error('cases', cases === undefined ? 'is required' : 'must be an array');
    return [];
  }
  return cases.flatMap((item: unknown, index): LookupCaseDefinition[] => {
    if (!isPlainObject(item)) {
      reader.error(`cases[${index}]`, 'must be an object with value and next');
      return [];
    }
    const value = item.value;
    if (!['string', 'number', 'boolean'].includes(typeof value)) {
      reader.error(`cases[${index}].value`, 'must be a string, number or boolean');
    }
    const next = typeof item.next === 'string' ? item.next : null;
    if (next === null) reader.error(`cases[${index}].next`, 'must be a node id');
    else reader.reference(`cases[${index}].next`, next);
    return next === null ? [] : [{ value: value as LookupCaseDefinition['value'], next }];
  });
}

function goToTarget(reader: NodeReader): { flowId: string | null; nodeId: string } {
  const target = reader.value('target');
  if (!isPlainObject(target)) {
    reader.error('target', target === undefined ? 'is required' : 'must be an object with nodeId and optional flowId');
    return { flowId: null, nodeId: '' };
  }
  const flowId = target.flowId === undefined || target.flowId === null ? null : target.flowId;
  if (flowId !== null && (typeof flowId !== 'string' || flowId === '')) {
    reader.error('target.flowId', 'must be a non-empty string');
  }
  if (typeof target.nodeId !== 'string' || target.nodeId === '') {
    reader.error('target.nodeId', 'must be a non-empty string');
    return { flowId: null, nodeId: '' };
  }
  const otherFlow = typeof flowId === 'string' && flowId !== '' ? reader.flowRef('target.flowId', flowId) : null;
  // A node of another flow can only be checked when the engine loads that flow.
  if (otherFlow === null) reader.reference('target.nodeId', target.nodeId);
  return { flowId: otherFlow, nodeId: target.nodeId };
}

function httpHeaders(reader: NodeReader): [string, CompiledTemplate][] {
  const headers = reader.value('headers');
  if (headers === undefined || headers === null) return [];
  if (!isPlainObject(headers)) {
    reader.error('headers', 'must be an object of header names to string values');
    return [];
  }
  return Object.entries(headers).flatMap(([name, value]): [string, CompiledTemplate][] => {
    if (typeof value !== 'string') {
      reader.error(`headers.${name}`, 'must be a string');
      return [];
    }
    return [[name, reader.templateOf(`headers.${name}`, value) ?? PLACEHOLDER_TEMPLATE]];
  });
}

function httpMethod(reader: NodeReader): HttpMethod {
  const method = reader.value('method');
  if (method === undefined || method === null) return 'GET';
  const upper = typeof method === 'string' ? method.toUpperCase() : '';
  if ((HTTP_METHODS as readonly string[]).includes(upper)) return upper as HttpMethod;
  reader.error('method', `must be one of ${HTTP_METHODS.join(', ')}`);
  return 'GET';
}

/** One compiler per node type: each checks its fields and pre-compiles its scripts. */
export const NODE_COMPILERS: NodeCompilers = {
  say(reader) {
    const variants = sayVariants(reader);
    const data = reader.json('data', { objectOnly: true });
    if (variants.length === 0 && reader.value('data') === undefined)
      reader.error('text', 'a say node needs text, data or both');
    const variantMode = reader.enumValue('variantMode', ['random', 'linear', 'loop'], 'random') ?? 'random';
    return { type: 'say', ...base(reader), variants, variantMode, data };
  },
  question(reader) {
    const questionType =
      reader.enumValue('questionType', ['text', 'yesNo', 'number', 'email', 'regex'], 'text') ?? 'text';
    return {
      type: 'question',
      ...base(reader),
      text: reader.template('text', { required: true }) ?? PLACEHOLDER_TEMPLATE,
      data: reader.json('data', { objectOnly: true }),
      questionType,
      pattern: questionType === 'regex' ? reader.regex('pattern') : null,
      contextKey: reader.contextPath('contextKey'),
      reprompt: reader.template('reprompt'),
      maxReprompts: reader.integer('maxReprompts', 0, MAX_REPROMPTS),
      escalate: reader.nodeRef('escalate'),
    };
  },
  if(reader) {
    return {
      type: 'if',
      ...base(reader),
      condition: reader.condition('condition') ?? PLACEHOLDER_EXPRESSION,
      then: reader.nodeRef('then'),
      else: reader.nodeRef('else'),
    };
  },
  lookup(reader) {
    return {
      type: 'lookup',
      ...base(reader),
      value: reader.expression('value', DEFAULT_LOOKUP_VALUE) ?? PLACEHOLDER_EXPRESSION,
      cases: lookupCases(reader),
      default: reader.nodeRef('default'),
    };
  },
  code(reader) {
    return { type: 'code', ...base(reader), code: reader.string('code', { required: true }) ?? '' };
  },
  addToContext(reader) {
    return {
      type: 'addToContext',
      ...base(reader),
      key: reader.contextPath('key', { required: true }) ?? PLACEHOLDER_PATH,
      value: reader.json('value', { required: true }) ?? PLACEHOLDER_JSON,
      mode: reader.enumValue('mode', ['simple', 'array'], 'simple') ?? 'simple',
    };
  },
  removeFromContext(reader) {
    return {
      type: 'removeFromContext',
      ...base(reader),
      key: reader.contextPath('key', { required: true }) ?? PLACEHOLDER_PATH,
    };
  },
  goTo(reader) {
    const mode = reader.enumValue('mode', ['continue', 'wait'], 'continue') ?? 'continue';
    return { type: 'goTo', id: reader.nodeId, next: null, target: goToTarget(reader), mode };
  },
  executeFlow(reader) {
    const flowId = reader.string('flowId', { required: true });
    const sameFlow = flowId !== null && reader.isSameFlow(flowId);
    if (flowId !== null) reader.flowRef('flowId', flowId);
    const nodeId = sameFlow ? reader.nodeRef('nodeId') : reader.string('nodeId');
    return { type: 'executeFlow', ...base(reader), flowId: flowId ?? '', nodeId };
  },
  waitForInput(reader) {
    return { type: 'waitForInput', ...base(reader) };
  },
  once(reader) {
    return {
      type: 'once',
      ...base(reader),
      onFirst: reader.nodeRef('onFirst'),
      afterwards: reader.nodeRef('afterwards'),
    };
  },
  stop(reader) {
    return { type: 'stop', id: reader.nodeId, next: null };
  },
  httpRequest(reader) {
    return {
      type: 'httpRequest',
      ...base(reader),
      method: httpMethod(reader),
      url: reader.template('url', { required: true }) ?? PLACEHOLDER_TEMPLATE,
      headers: httpHeaders(reader),
      body: reader.json('body'),
      contextKey: reader.contextPath('contextKey', { required: true }) ?? PLACEHOLDER_PATH,
      timeoutMs: reader.integer('timeoutMs', 1, MAX_HTTP_TIMEOUT_MS) ?? DEFAULT_HTTP_TIMEOUT_MS,
    };
  },
};
