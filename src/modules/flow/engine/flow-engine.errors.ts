import type { FlowValidationError } from './compile/compile-context.js';

export enum FlowEngineErrorCode {
  FlowNotFound = 'FLOW_NOT_FOUND',
  FlowDefinitionInvalid = 'FLOW_DEFINITION_INVALID',
}

export class FlowEngineError extends Error {
  override readonly name = 'FlowEngineError';

  constructor(
    readonly code: FlowEngineErrorCode,
    message: string,
    /** For FLOW_DEFINITION_INVALID: every problem found. */
    readonly validationErrors: readonly FlowValidationError[] = [],
  ) {
    super(message);
  }
}
