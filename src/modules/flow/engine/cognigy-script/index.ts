export { CompiledExpression, compileExpression } from './expression-compiler.js';
export { compileJsonTemplate, renderJsonTemplate, type CompiledJson } from './json-template.js';
export { isForbiddenName } from './safe-access.js';
export { ScriptRuntimeError, ScriptSyntaxError } from './script-errors.js';
export type { ScriptScope } from './script-scope.js';
export {
  CompiledTemplate,
  compileCondition,
  compileTemplate,
  evaluateCondition,
  evaluateOrUndefined,
  stringifyForText,
  type ScriptErrorHandler,
} from './template.js';
