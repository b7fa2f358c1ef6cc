import { ScriptRuntimeError } from './script-errors.js';

export type BuiltinFunction = (args: readonly unknown[]) => unknown;

export interface BuiltinNamespace {
  readonly functions: ReadonlyMap<string, BuiltinFunction>;
  readonly constants: ReadonlyMap<string, unknown>;
}

/** Functions callable by bare name, e.g. `parseInt(input.text)`. */
export const GLOBAL_FUNCTIONS: ReadonlyMap<string, BuiltinFunction> = new Map<string, BuiltinFunction>([
  ['Number', ([value]) => Number(value)],
  ['String', ([value]) => String(value)],
  ['Boolean', ([value]) => Boolean(value)],
  ['parseInt', ([value, radix]) => parseInt(String(value), radix as number)],
  ['parseFloat', ([value]) => parseFloat(String(value))],
  ['isNaN', ([value]) => isNaN(value as number)],
]);

export const GLOBAL_CONSTANTS: ReadonlyMap<string, unknown> = new Map<string, unknown>([
  ['undefined', undefined],
  ['NaN', NaN],
  ['Infinity', Infinity],
]);

function mathNamespace(): BuiltinNamespace {
  const functions = new Map<string, BuiltinFunction>();
  const constants = new Map<string, unknown>();
  for (const name of Object.getOwnPropertyNames(Math)) {
    const member: unknown = Reflect.get(Math, name);
    if (typeof member === 'function') {
      functions.set(name, (args) => Reflect.apply(member as (...values: unknown[]) => unknown, Math, args));
    } else if (typeof member === 'number') {
      constants.set(name, member);
    }
  }
  return { functions, constants };
}

function jsonStringify([value, replacer, space]: readonly unknown[]): unknown {
  // A replacer function would be user code running inside JSON.stringify: only null/undefined pass.
  if (replacer !== undefined && replacer !== null)
    throw new ScriptRuntimeError('JSON.stringify() replacer is not supported');
  return JSON.stringify(value, null, space as string | number | undefined);
}

function jsonParse([text]: readonly unknown[]): unknown {
  if (typeof text !== 'string') throw new ScriptRuntimeError('JSON.parse() expects a string');
  return JSON.parse(text);
}

const NUMBER_CONSTANT_NAMES = [
  'MAX_SAFE_INTEGER',
  'MIN_SAFE_INTEGER',
  'EPSILON',
  'MAX_VALUE',
  'MIN_VALUE',
  'POSITIVE_INFINITY',
  'NEGATIVE_INFINITY',
  'NaN',
] as const;

/** Namespaces usable only as `Ns.member` or `Ns.fn(...)`, never as values themselves. */
export const NAMESPACES: ReadonlyMap<string, BuiltinNamespace> = new Map<string, BuiltinNamespace>([
  ['Math', mathNamespace()],
  [
    'JSON',
    {
      functions: new Map([
        ['stringify', jsonStringify],
        ['parse', jsonParse],
      ]),
      constants: new Map(),
    },
  ],
  [
    'Number',
    {
      functions: new Map<string, BuiltinFunction>([
        ['isInteger', ([value]) => Number.isInteger(value)],
        ['isFinite', ([value]) => Number.isFinite(value)],
        ['isNaN', ([value]) => Number.isNaN(value)],
        ['isSafeInteger', ([value]) => Number.isSafeInteger(value)],
        ['parseFloat', ([value]) => Number.parseFloat(String(value))],
        ['parseInt', ([value, radix]) => Number.parseInt(String(value), radix as number)],
      ]),
      constants: new Map(NUMBER_CONSTANT_NAMES.map((name) => [name, Number[name]])),
    },
  ],
  ['Array', { functions: new Map([['isArray', ([value]) => Array.isArray(value)]]), constants: new Map() }],
]);
