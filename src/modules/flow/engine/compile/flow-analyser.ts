import type { CompiledFlow, CompiledNode } from '../compiled-flow.types.js';
import { DEFAULT_INTENT_THRESHOLD, FLOW_NODE_TYPES, type FlowNodeType } from '../flow-definition.types.js';
import { compileIntents, type CompiledIntent } from '../nlu.js';
import { FlowCompileContext, type FlowCompileOptions, type FlowValidationError } from './compile-context.js';
import { checkReachability, checkReferences } from './flow-graph-checks.js';
import { NODE_COMPILERS } from './node-compilers.js';
import { isPlainObject, NodeReader } from './node-reader.js';

export interface FlowAnalysis {
  readonly errors: FlowValidationError[];
  /** Present only when there are no errors. */
  readonly flow: CompiledFlow | null;
}

interface CompiledNodes {
  readonly nodes: Map<string, CompiledNode>;
  /** `nodes[i]` of each node id, for error fields. */
  readonly fieldOf: Map<string, string>;
}

function readName(definition: Record<string, unknown>, context: FlowCompileContext): string {
  const name = definition.name;
  if (typeof name !== 'string' || name.trim() === '') context.error(null, 'name', 'must be a non-empty string');
  return typeof name === 'string' ? name : '';
}

function readThreshold(definition: Record<string, unknown>, context: FlowCompileContext): number {
  const threshold = definition.intentThreshold;
  if (threshold === undefined || threshold === null) return DEFAULT_INTENT_THRESHOLD;
  if (typeof threshold !== 'number' || !(threshold >= 0 && threshold <= 1)) {
    context.error(null, 'intentThreshold', 'must be a number from 0 to 1');
    return DEFAULT_INTENT_THRESHOLD;
  }
  return threshold;
}

function readDefaultContext(definition: Record<string, unknown>, context: FlowCompileContext): Record<string, unknown> {
  const value = definition.defaultContext;
  if (value === undefined || value === null) return {};
  if (isPlainObject(value)) return value;
  context.error(null, 'defaultContext', 'must be an object');
  return {};
}

function readIntents(definition: Record<string, unknown>, context: FlowCompileContext): CompiledIntent[] {
  const intents = definition.intents;
  if (intents === undefined || intents === null) return [];
  if (!Array.isArray(intents)) {
    context.error(null, 'intents', 'must be an array');
    return [];
  }
  const seen = new Set<string>();
  const valid = intents.filter((intent: unknown, index): intent is { name: string; examples: string[] } => {
    const field = `intents[${index}]`;
    if (!isPlainObject(intent) || typeof intent.name !== 'string' || intent.name.trim() === '') {
      context.error(null, `${field}.name`, 'must be a non-empty string');
      return false;
    }
    if (seen.has(intent.name)) context.error(null, `${field}.name`, `duplicates intent '${intent.name}'`);
    seen.add(intent.name);
    const examples = intent.examples;
    if (!Array.isArray(examples) || examples.length === 0) {
      context.error(null, `${field}.examples`, 'must be a non-empty array of example sentences');
      return false;
    }
    const bad = examples.findIndex((example) => typeof example !== 'string' || example.trim() === '');
    if (bad >= 0) context.error(null, `${field}.examples[${bad}]`, 'must be a non-empty string');
    return bad < 0;
  });
  return compileIntents(valid);
}

function compileNode(raw: unknown, index: number, compiled: CompiledNodes, context: FlowCompileContext): void {
  const field = `nodes[${index}]`;
  if (!isPlainObject(raw)) return context.error(null, field, 'must be an object');
  const id = raw.id;
  if (typeof id !== 'string' || id.trim() === '')
    return context.error(null, `${field}.id`, 'must be a non-empty string');
  if (compiled.nodes.has(id)) {
    return context.error(id, `${field}.id`, `duplicates the id of ${compiled.fieldOf.get(id) ?? 'another node'}`);
  }
  const type = raw.type;
  if (typeof type !== 'string' || !(FLOW_NODE_TYPES as readonly string[]).includes(type)) {
    const allowed = FLOW_NODE_TYPES.join(', ');
    return context.error(id, `${field}.type`, `unknown node type '${String(type)}' (expected one of ${allowed})`);
  }
  compiled.nodes.set(id, NODE_COMPILERS[type as FlowNodeType](new NodeReader(raw, id, index, context)));
  compiled.fieldOf.set(id, field);
}

function compileNodes(definition: Record<string, unknown>, context: FlowCompileContext): CompiledNodes {
  const compiled: CompiledNodes = { nodes: new Map(), fieldOf: new Map() };
  const nodes = definition.nodes;
  if (!Array.isArray(nodes) || nodes.length === 0) {
    context.error(null, 'nodes', 'must be a non-empty array');
    return compiled;
  }
  nodes.forEach((raw: unknown, index) => compileNode(raw, index, compiled, context));
  return compiled;
}

function checkStart(definition: Record<string, unknown>, compiled: CompiledNodes, context: FlowCompileContext): string {
  const start = definition.startNodeId;
  if (typeof start !== 'string' || start === '') {
    context.error(null, 'startNodeId', 'must be a non-empty string');
    return '';
  }
  if (!compiled.nodes.has(start)) {
    context.error(null, 'startNodeId', `refers to unknown node '${start}'`);
    return start;
  }
  checkReachability(context, compiled.nodes, compiled.fieldOf, start);
  return start;
}

/** Checks a raw definition and compiles it in one pass, so expressions are parsed exactly once. */
export function analyseFlow(definition: unknown, options: FlowCompileOptions = {}): FlowAnalysis {
  const context = new FlowCompileContext(options);
  if (!isPlainObject(definition)) {
    context.error(null, '', 'the flow definition must be a JSON object');
    return { errors: context.errors, flow: null };
  }
  const name = readName(definition, context);
  const defaultContext = readDefaultContext(definition, context);
  const intentThreshold = readThreshold(definition, context);
  const intents = readIntents(definition, context);
  const compiled = compileNodes(definition, context);
  checkReferences(context, compiled.nodes);
  const startNodeId = checkStart(definition, compiled, context);
  if (context.errors.length > 0) return { errors: context.errors, flow: null };
  const flow: CompiledFlow = {
    id: options.flowId ?? '',
    name,
    startNodeId,
    intentThreshold,
    intents,
    defaultContext: structuredClone(defaultContext),
    nodes: compiled.nodes,
  };
  return { errors: [], flow };
}
