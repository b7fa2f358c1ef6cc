import type { CompiledFlow } from './compiled-flow.types.js';
import { analyseFlow } from './compile/flow-analyser.js';
import { FlowEngineError, FlowEngineErrorCode } from './flow-engine.errors.js';

/**
 * Validates and compiles a stored definition (pre-parsing every expression and template).
 * Throws FlowEngineError(FLOW_DEFINITION_INVALID) listing all problems when it does not validate.
 */
export function compileFlow(
  definition: unknown,
  flowId: string,
  options: { knownFlowIds?: ReadonlySet<string> } = {},
): CompiledFlow {
  const { errors, flow } = analyseFlow(definition, { ...options, flowId });
  if (flow === null) {
    const first = errors[0];
    const summary = first ? `${first.field} ${first.message}` : 'invalid';
    throw new FlowEngineError(
      FlowEngineErrorCode.FlowDefinitionInvalid,
      `flow '${flowId}' is invalid: ${summary}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`,
      errors,
    );
  }
  return flow;
}
