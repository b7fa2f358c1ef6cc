import { renderJsonTemplate, type CompiledJson, type CompiledTemplate } from '../cognigy-script/index.js';
import type { CompiledQuestionNode, CompiledSayNode } from '../compiled-flow.types.js';
import { parseAnswer } from '../answer-parsers.js';
import { setAtPath } from '../context-path.js';
import { nodeKey } from '../session-state.js';
import { nextStep, type NodeExecutionContext, type NodeStep } from './node-context.js';

function renderData(ctx: NodeExecutionContext, data: CompiledJson | null): Record<string, unknown> | null {
  // Compiled only from JSON objects, so the rendered value is an object too.
  return data ? (renderJsonTemplate(data, ctx.scope, ctx.onScriptError) as Record<string, unknown>) : null;
}

function sayTemplate(ctx: NodeExecutionContext, template: CompiledTemplate | null, data: CompiledJson | null): void {
  ctx.say({ text: template ? template.render(ctx.scope, ctx.onScriptError) : null, data: renderData(ctx, data) });
}

/** linear: 0, 1, ..., last, last...; loop: 0, 1, ..., last, 0...; the position is kept in the session. */
function pickVariant(ctx: NodeExecutionContext, node: CompiledSayNode): CompiledTemplate | null {
  const count = node.variants.length;
  if (count <= 1) return node.variants[0] ?? null;
  if (node.variantMode === 'random') return node.variants[Math.min(count - 1, Math.floor(ctx.random() * count))];
  const key = nodeKey(ctx.flow.id, node.id);
  const index = Math.min(ctx.session.variantCounters[key] ?? 0, count - 1);
  ctx.session.variantCounters[key] = node.variantMode === 'loop' ? (index + 1) % count : Math.min(index + 1, count - 1);
  return node.variants[index];
}

export function executeSay(ctx: NodeExecutionContext, node: CompiledSayNode): NodeStep {
  sayTemplate(ctx, pickVariant(ctx, node), node.data);
  return nextStep(node.next);
}

export function askQuestion(ctx: NodeExecutionContext, node: CompiledQuestionNode): NodeStep {
  sayTemplate(ctx, node.text, node.data);
  return { kind: 'askQuestion' };
}

export type AnswerOutcome =
  { readonly kind: 'continue'; readonly nodeId: string | null } | { readonly kind: 'reprompted' };

/**
 * Handles the input that answers an active question: a valid answer sets `input.result` (and the
 * context key) and continues at `next`; an invalid one reprompts, or escalates once `maxReprompts`
 * reprompts have been said.
 */
export function answerQuestion(
  ctx: NodeExecutionContext,
  node: CompiledQuestionNode,
  reprompts: number,
): AnswerOutcome {
  const answer = parseAnswer(node.questionType, ctx.input.text, node.pattern);
  if (answer.valid) {
    ctx.input.result = answer.value;
    if (node.contextKey) setAtPath(ctx.session.context, node.contextKey, answer.value);
    return { kind: 'continue', nodeId: node.next };
  }
  if (node.maxReprompts !== null && reprompts >= node.maxReprompts) {
    ctx.input.result = null;
    return { kind: 'continue', nodeId: node.escalate ?? node.next };
  }
  if (node.reprompt) sayTemplate(ctx, node.reprompt, null);
  else sayTemplate(ctx, node.text, node.data);
  return { kind: 'reprompted' };
}
