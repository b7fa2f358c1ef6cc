import { Injectable } from '@nestjs/common';
import type {
  CodeNodeAction as EngineAction,
  CodeNodeRunner,
  CodeNodeRunRequest,
  CodeNodeRunResult,
  FlowLogLevel,
} from '../flow/engine/index.js';
import { TransformerRuntime } from './transformer-runtime.js';
import { describeRunError } from './transformer.errors.js';
import type { CodeNodeAction } from './transformer.types.js';

/** Flow `code` nodes run in the transformer sandbox pool (no host calls: code nodes act through `api`). */
@Injectable()
export class SandboxCodeNodeRunner implements CodeNodeRunner {
  constructor(private readonly runtime: TransformerRuntime) {}

  async run(request: CodeNodeRunRequest): Promise<CodeNodeRunResult> {
    const result = await this.runtime.runCodeNode(request);
    const actions = result.actions.map(toEngineAction);
    if (result.error === undefined) return { actions };
    const { line, column } = result.errorLocation ?? {};
    return { actions, error: describeRunError({ message: result.error, line, column }) };
  }
}

/** The engine checks every action again before applying it; this only narrows the sandbox's looser types. */
function toEngineAction(action: CodeNodeAction): EngineAction {
  switch (action.type) {
    case 'say':
      return { type: 'say', text: action.text, data: isRecord(action.data) ? action.data : null };
    case 'log':
      return { type: 'log', level: action.level as FlowLogLevel, message: action.message };
    case 'addToContext':
    case 'removeFromContext':
      return action;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
