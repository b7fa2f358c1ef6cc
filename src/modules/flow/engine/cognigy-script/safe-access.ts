import { ScriptRuntimeError } from './script-errors.js';

/**
 * Names that lead from data to functions or prototypes. Refused everywhere (member reads, object
 * literal keys, context paths) so that no expression can reach `Function` or pollute a prototype.
 */
const FORBIDDEN_NAMES: ReadonlySet<string> = new Set([
  'constructor',
  '__proto__',
  'prototype',
  '__defineGetter__',
  '__defineSetter__',
  '__lookupGetter__',
  '__lookupSetter__',
]);

export function isForbiddenName(name: string): boolean {
  return FORBIDDEN_NAMES.has(name);
}

/** Converts a computed key the way JavaScript would, but only from primitives (no user toString hooks). */
export function toPropertyKey(key: unknown): string {
  if (typeof key === 'string') return key;
  if (typeof key === 'number' || typeof key === 'boolean' || key === undefined || key === null) return String(key);
  throw new ScriptRuntimeError('property keys must be strings or numbers');
}

/**
 * Reads `target[key]` exposing only data: own data properties of objects and arrays, string
 * characters and `length`. Inherited members, accessors and function values read as undefined.
 */
export function readProperty(target: unknown, key: string): unknown {
  if (target === null || target === undefined) {
    throw new ScriptRuntimeError(`cannot read '${key}' of ${String(target)}`);
  }
  if (FORBIDDEN_NAMES.has(key)) throw new ScriptRuntimeError(`access to '${key}' is not allowed`);
  if (typeof target === 'string') {
    if (key === 'length') return target.length;
    return /^(0|[1-9]\d*)$/.test(key) ? target[Number(key)] : undefined;
  }
  if (typeof target !== 'object') return undefined;
  if (Array.isArray(target) && key === 'length') return target.length;
  const descriptor = Object.getOwnPropertyDescriptor(target, key);
  if (!descriptor || !('value' in descriptor)) return undefined;
  const value: unknown = descriptor.value;
  return typeof value === 'function' ? undefined : value;
}
