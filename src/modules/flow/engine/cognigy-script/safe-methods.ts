import { ScriptRuntimeError } from './script-errors.js';
import { requireData, requireLambda } from './script-lambda.js';
import { charge, checkStringLength, spendStep, type EvalEnv } from './script-scope.js';

type Method<T> = (receiver: T, args: readonly unknown[], env: EvalEnv) => unknown;

function optionalString(value: unknown, method: string): string | undefined {
  if (value === undefined || typeof value === 'string') return value;
  throw new ScriptRuntimeError(`${method}() expects a string argument`);
}

function requireString(value: unknown, method: string): string {
  if (typeof value === 'string') return value;
  throw new ScriptRuntimeError(`${method}() expects a string argument`);
}

function padLength(value: unknown): number {
  const length = Number(value);
  checkStringLength(length);
  return length;
}

/** The length of `s.replaceAll(pattern, by)`, computed before the string is built. */
function replaceAllLength(s: string, pattern: string, by: string): number {
  const occurrences = pattern === '' ? s.length + 1 : s.split(pattern).length - 1;
  return s.length + occurrences * (by.length - pattern.length);
}

function literal(replacement: string): () => string {
  return () => replacement;
}

function join(items: readonly unknown[], separator: string | undefined): string {
  checkStringLength((items.length - 1) * (separator ?? ',').length);
  return items.join(separator);
}

// JavaScript coerces the remaining arguments itself; they are data, so no user code can run.
const STRING_METHODS = new Map<string, Method<string>>([
  ['toLowerCase', (s) => s.toLowerCase()],
  ['toUpperCase', (s) => s.toUpperCase()],
  ['trim', (s) => s.trim()],
  ['trimStart', (s) => s.trimStart()],
  ['trimEnd', (s) => s.trimEnd()],
  ['toString', (s) => s],
  ['includes', (s, [search, from]) => s.includes(String(search), from as number)],
  ['startsWith', (s, [search, from]) => s.startsWith(String(search), from as number)],
  ['endsWith', (s, [search, end]) => s.endsWith(String(search), end as number)],
  ['indexOf', (s, [search, from]) => s.indexOf(String(search), from as number)],
  ['lastIndexOf', (s, [search, from]) => s.lastIndexOf(String(search), from as number)],
  ['charAt', (s, [index]) => s.charAt(index as number)],
  ['at', (s, [index]) => s.at(index as number)],
  ['slice', (s, [start, end]) => s.slice(start as number, end as number)],
  ['substring', (s, [start, end]) => s.substring(start as number, end as number)],
  ['split', (s, [separator, limit]) => s.split(optionalString(separator, 'split') as string, limit as number)],
  // The replacement is inserted literally: `$&`, `$'`... patterns could multiply the input's size.
  [
    'replace',
    (s, [pattern, by]) => s.replace(requireString(pattern, 'replace'), literal(requireString(by, 'replace'))),
  ],
  [
    'replaceAll',
    (s, [pattern, by]) => {
      const [from, to] = [requireString(pattern, 'replaceAll'), requireString(by, 'replaceAll')];
      checkStringLength(replaceAllLength(s, from, to));
      return s.replaceAll(from, literal(to));
    },
  ],
  ['padStart', (s, [length, fill]) => s.padStart(padLength(length), optionalString(fill, 'padStart'))],
  ['padEnd', (s, [length, fill]) => s.padEnd(padLength(length), optionalString(fill, 'padEnd'))],
]);

function callback(args: readonly unknown[], method: string, env: EvalEnv): (item: unknown, index: number) => unknown {
  const lambda = requireLambda(args[0], method);
  return (item, index) => {
    spendStep(env);
    return lambda.invoke(item, index);
  };
}

const ARRAY_METHODS = new Map<string, Method<readonly unknown[]>>([
  ['includes', (a, [search, from]) => a.includes(search, from as number)],
  ['indexOf', (a, [search, from]) => a.indexOf(search, from as number)],
  [
    'lastIndexOf',
    (a, [search, from]) => (from === undefined ? a.lastIndexOf(search) : a.lastIndexOf(search, from as number)),
  ],
  ['at', (a, [index]) => a.at(index as number)],
  ['slice', (a, [start, end]) => a.slice(start as number, end as number)],
  ['concat', (a, args) => a.concat(...args)],
  ['join', (a, [separator]) => join(a, optionalString(separator, 'join'))],
  ['toString', (a) => join(a, ',')],
  ['map', (a, args, env) => a.map(callback(args, 'map', env))],
  ['filter', (a, args, env) => a.filter(callback(args, 'filter', env))],
  ['some', (a, args, env) => a.some(callback(args, 'some', env))],
  ['every', (a, args, env) => a.every(callback(args, 'every', env))],
  ['find', (a, args, env) => a.find(callback(args, 'find', env))],
  ['findIndex', (a, args, env) => a.findIndex(callback(args, 'findIndex', env))],
]);

const NUMBER_METHODS = new Map<string, Method<number>>([
  ['toFixed', (n, [digits]) => n.toFixed(digits as number)],
  ['toPrecision', (n, [precision]) => n.toPrecision(precision as number)],
  ['toString', (n, [radix]) => n.toString(radix as number)],
]);

const BOOLEAN_METHODS = new Map<string, Method<boolean>>([['toString', (b) => String(b)]]);

const CALLBACK_METHODS: ReadonlySet<string> = new Set(['map', 'filter', 'some', 'every', 'find', 'findIndex']);

/** Every method name callable on some receiver; a call to any other name fails at compile time. */
export const ALLOWED_METHOD_NAMES: ReadonlySet<string> = new Set([
  ...STRING_METHODS.keys(),
  ...ARRAY_METHODS.keys(),
  ...NUMBER_METHODS.keys(),
  ...BOOLEAN_METHODS.keys(),
]);

function lookupMethod(receiver: unknown, name: string): Method<never> | undefined {
  if (typeof receiver === 'string') return STRING_METHODS.get(name);
  if (typeof receiver === 'number') return NUMBER_METHODS.get(name);
  if (typeof receiver === 'boolean') return BOOLEAN_METHODS.get(name);
  if (Array.isArray(receiver)) return ARRAY_METHODS.get(name);
  return undefined;
}

export function hasMethod(receiver: unknown, name: string): boolean {
  return lookupMethod(receiver, name) !== undefined;
}

export function callMethod(receiver: unknown, name: string, args: readonly unknown[], env: EvalEnv): unknown {
  const method = lookupMethod(receiver, name) as Method<unknown> | undefined;
  if (!method) {
    const kind = receiver === null ? 'null' : Array.isArray(receiver) ? 'array' : typeof receiver;
    throw new ScriptRuntimeError(`'${name}' is not an allowed method of ${kind}`);
  }
  spendStep(env);
  return charge(env, method(receiver, CALLBACK_METHODS.has(name) ? args : requireData(args, name), env));
}
