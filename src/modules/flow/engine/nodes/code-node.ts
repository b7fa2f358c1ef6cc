import { CODE_NODE_TIMEOUT_MS, type CodeNodeRunResult } from '../code-node-runner.js';
import type { CompiledCodeNode } from '../compiled-flow.types.js';
import { appendAtPath, deleteAtPath, parseContextPath, setAtPath } from '../context-path.js';
import type { FlowLogLevel } from '../flow-run.types.js';
import { errorMessage, nextStep, type NodeExecutionContext, type NodeStep } from './node-context.js';

const LOG_LEVELS: ReadonlySet<string> = new Set<FlowLogLevel>(['debug', 'info', 'warn', 'error']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

async function runCode(ctx: NodeExecutionContext, node: CompiledCodeNode): Promise<CodeNodeRunResult> {
  if (!ctx.codeRunner) return { actions: [], error: 'code nodes are not available on this server' };
  try {
    return await ctx.codeRunner.run({
      code: node.code,
      input: structuredClone(ctx.input) as unknown as Record<string, unknown>,
      context: structuredClone(ctx.session.context),
      profile: structuredClone(ctx.session.profile),
      timeoutMs: CODE_NODE_TIMEOUT_MS,
    });
  } catch (error) {
    return { actions: [], error: errorMessage(error) };
  }
}

/** Actions come from user code through the sandbox: each is checked before it touches the session. */
function applyAction(ctx: NodeExecutionContext, action: unknown): void {
  if (!isRecord(action)) return ctx.warn('INVALID_CODE_ACTION', 'a code node action must be an object');
  switch (action.type) {
    case 'say': {
      const text = typeof action.text === 'string' ? action.text : null;
      const data = isRecord(action.data) ? structuredClone(action.data) : null;
      return ctx.say({ text, data });
    }
    case 'addToContext':
    case 'removeFromContext': {
      const path = typeof action.key === 'string' ? parseContextPath(action.key) : null;
      if (!path)
        return ctx.warn('INVALID_CODE_ACTION', `${action.type}: invalid context key ${JSON.stringify(action.key)}`);
      if (action.type === 'removeFromContext') return deleteAtPath(ctx.session.context, path);
      const value: unknown = structuredClone(action.value);
      return action.mode === 'array'
        ? appendAtPath(ctx.session.context, path, value)
        : setAtPath(ctx.session.context, path, value);
    }
    case 'log': {
      const level =
        typeof action.level === 'string' && LOG_LEVELS.has(action.level) ? (action.level as FlowLogLevel) : 'info';
      return ctx.log(level, String(action.message));
    }
    default:
      return ctx.warn('INVALID_CODE_ACTION', `unknown code node action type ${JSON.stringify(action.type)}`);
  }
}

/** Runs the code through the injected sandbox, applies its actions in order; a failure sets `input.codeNodeError`. */
export async function executeCode(ctx: NodeExecutionContext, node: CompiledCodeNode): Promise<NodeStep> {
  const result = await runCode(ctx, node);
  for (const action of Array.isArray(result.actions) ? result.actions : []) applyAction(ctx, action);
  if (result.error !== undefined) {
    ctx.input.codeNodeError = result.error;
    ctx.log('warn', `code node failed: ${result.error}`);
  }
  return nextStep(node.next);
}
