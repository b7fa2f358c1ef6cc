import { analyseFlow } from './compile/flow-analyser.js';
import type { FlowValidationError } from './compile/compile-context.js';

export type { FlowValidationError } from './compile/compile-context.js';

export interface ValidateFlowOptions {
  /** Flow ids goTo/executeFlow may name; not checked when absent. */
  knownFlowIds?: ReadonlySet<string>;
  /** The flow's own id when it has one (on update), so it may name itself. */
  flowId?: string;
}

/**
 * Checks a flow definition as received from the API: shape, node types and fields, node and flow
 * references, expression syntax, regex patterns and reachability. An empty list means valid.
 */
export function validateFlowDefinition(definition: unknown, options: ValidateFlowOptions = {}): FlowValidationError[] {
  return analyseFlow(definition, options).errors;
}
