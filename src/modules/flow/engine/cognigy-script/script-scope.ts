import { ScriptRuntimeError } from './script-errors.js';

/** The variables a CognigyScript expression can see; `ci`, `cc` and `cp` are aliases of these. */
export interface ScriptScope {
  readonly input: unknown;
  readonly context: unknown;
  readonly profile: unknown;
}

export interface EvalBudget {
  steps: number;
  /** Characters and array items this evaluation may still create. */
  allocation: number;
  /** performance.now() after which the evaluation is stopped. */
  readonly deadline: number;
}

/** Everything an evaluator needs at run time; `locals` holds arrow-function parameters by slot. */
export interface EvalEnv {
  readonly scope: ScriptScope;
  readonly locals: readonly unknown[];
  readonly budget: EvalBudget;
}

export type Evaluator = (env: EvalEnv) => unknown;

/**
 * Expressions run in process, so a hostile or careless flow author must not be able to stall the
 * event loop or exhaust memory: callbacks and calls spend steps (and, every few steps, check a
 * deadline, since one step may scan a large array), every string or array an evaluation creates
 * is charged to an allocation budget, and single strings are capped.
 */
export const MAX_EVAL_STEPS = 100_000;
export const MAX_EVAL_MS = 50;
export const MAX_STRING_LENGTH = 1_000_000;
export const MAX_EVAL_ALLOCATION = 10_000_000;
const DEADLINE_CHECK_INTERVAL = 64;

export function newEvalEnv(scope: ScriptScope): EvalEnv {
  return {
    scope,
    locals: [],
    budget: { steps: MAX_EVAL_STEPS, allocation: MAX_EVAL_ALLOCATION, deadline: performance.now() + MAX_EVAL_MS },
  };
}

export function spendStep(env: EvalEnv): void {
  const budget = env.budget;
  budget.steps -= 1;
  if (budget.steps < 0) throw new ScriptRuntimeError('expression exceeded its evaluation budget');
  if (budget.steps % DEADLINE_CHECK_INTERVAL === 0 && performance.now() > budget.deadline) {
    throw new ScriptRuntimeError(`expression ran longer than ${MAX_EVAL_MS} ms`);
  }
}

/** Refuses, before allocating, a string a single call would make too long. */
export function checkStringLength(length: number): void {
  if (length > MAX_STRING_LENGTH)
    throw new ScriptRuntimeError(`string result longer than ${MAX_STRING_LENGTH} characters`);
}

/** Charges a created value to the evaluation's allocation budget and returns it. */
export function charge<T>(env: EvalEnv, value: T): T {
  let size = 0;
  if (typeof value === 'string') {
    checkStringLength(value.length);
    size = value.length;
  } else if (Array.isArray(value)) {
    size = value.length;
  }
  env.budget.allocation -= size;
  if (env.budget.allocation < 0) throw new ScriptRuntimeError('expression exceeded its memory budget');
  return value;
}
