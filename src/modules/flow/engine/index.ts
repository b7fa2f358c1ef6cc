/**
 * The flow engine: pure TypeScript, no NestJS or database.
 * - validateFlowDefinition(def) checks a definition from the API; compileFlow(def, id) pre-parses it.
 * - new FlowEngine({ loadFlow, codeRunner, httpRequester }).run({ flowId, session, input, nlu })
 *   processes one input and returns the outputs and the next session state.
 */
export * from './cognigy-script/index.js';
export { parseAnswer, type ParsedAnswer } from './answer-parsers.js';
export {
  CODE_NODE_TIMEOUT_MS,
  type CodeNodeAction,
  type CodeNodeRunner,
  type CodeNodeRunRequest,
  type CodeNodeRunResult,
} from './code-node-runner.js';
export type { FlowCompileOptions } from './compile/compile-context.js';
export { compileFlow } from './compile-flow.js';
export type * from './compiled-flow.types.js';
export * from './flow-definition.types.js';
export { FlowEngine, newSessionState } from './flow-engine.js';
export { FlowEngineError, FlowEngineErrorCode } from './flow-engine.errors.js';
export * from './flow-run.types.js';
export type { HttpRequester, HttpRequestOptions, HttpResponseData } from './http-requester.js';
export {
  compileIntents,
  normaliseText,
  recogniseIntent,
  tokenise,
  type CompiledIntent,
  type NluResult,
} from './nlu.js';
export {
  restoreSessionState,
  type ActiveQuestionState,
  type FlowPosition,
  type SessionState,
  type WaitingPosition,
} from './session-state.js';
export { validateFlowDefinition, type FlowValidationError, type ValidateFlowOptions } from './validate-flow.js';
