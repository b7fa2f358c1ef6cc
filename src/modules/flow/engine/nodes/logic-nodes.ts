import { evaluateCondition, evaluateOrUndefined, renderJsonTemplate } from '../cognigy-script/index.js';
import type {
  CompiledAddToContextNode,
  CompiledIfNode,
  CompiledLookupNode,
  CompiledOnceNode,
  CompiledRemoveFromContextNode,
} from '../compiled-flow.types.js';
import { appendAtPath, deleteAtPath, setAtPath } from '../context-path.js';
import type { LookupCaseDefinition } from '../flow-definition.types.js';
import { nodeKey } from '../session-state.js';
import { nextStep, type NodeExecutionContext, type NodeStep } from './node-context.js';

export function executeIf(ctx: NodeExecutionContext, node: CompiledIfNode): NodeStep {
  const branch = evaluateCondition(node.condition, ctx.scope, ctx.onScriptError) ? node.then : node.else;
  return nextStep(branch ?? node.next);
}

/** Case values are written as JSON literals, so `3` matches "3" and vice versa. */
function caseMatches(value: unknown, candidate: LookupCaseDefinition['value']): boolean {
  if (value === candidate) return true;
  const primitive = typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
  return primitive && String(value) === String(candidate);
}

export function executeLookup(ctx: NodeExecutionContext, node: CompiledLookupNode): NodeStep {
  const value = evaluateOrUndefined(node.value, ctx.scope, ctx.onScriptError);
  const match = node.cases.find((candidate) => caseMatches(value, candidate.value));
  return nextStep(match ? match.next : (node.default ?? node.next));
}

export function executeOnce(ctx: NodeExecutionContext, node: CompiledOnceNode): NodeStep {
  const key = nodeKey(ctx.flow.id, node.id);
  if (ctx.session.onceFlags[key]) return nextStep(node.afterwards ?? node.next);
  ctx.session.onceFlags[key] = true;
  return nextStep(node.onFirst ?? node.next);
}

export function executeAddToContext(ctx: NodeExecutionContext, node: CompiledAddToContextNode): NodeStep {
  const value = renderJsonTemplate(node.value, ctx.scope, ctx.onScriptError);
  if (node.mode === 'array') {
    if (value !== undefined) appendAtPath(ctx.session.context, node.key, value);
  } else {
    setAtPath(ctx.session.context, node.key, value);
  }
  return nextStep(node.next);
}

export function executeRemoveFromContext(ctx: NodeExecutionContext, node: CompiledRemoveFromContextNode): NodeStep {
  deleteAtPath(ctx.session.context, node.key);
  return nextStep(node.next);
}
