import { ScriptRuntimeError } from './script-errors.js';

/**
 * An arrow function written in an expression. It exists only as an argument of an allowed method
 * (map, filter...): it is never a value an expression can store, return or call directly.
 */
export class ScriptLambda {
  readonly #body: (args: readonly unknown[]) => unknown;

  constructor(body: (args: readonly unknown[]) => unknown) {
    this.#body = body;
  }

  invoke(...args: unknown[]): unknown {
    return this.#body(args);
  }
}

export function requireLambda(value: unknown, method: string): ScriptLambda {
  if (value instanceof ScriptLambda) return value;
  throw new ScriptRuntimeError(`${method}() expects an arrow function`);
}

/** Built-ins receive data only; an arrow function anywhere else is a mistake we report. */
export function requireData(args: readonly unknown[], fn: string): readonly unknown[] {
  for (const arg of args) {
    if (arg instanceof ScriptLambda) throw new ScriptRuntimeError(`${fn}() does not take a function argument`);
  }
  return args;
}
