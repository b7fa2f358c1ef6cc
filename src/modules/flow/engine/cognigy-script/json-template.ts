import type { CompiledExpression } from './expression-compiler.js';
import { ScriptSyntaxError } from './script-errors.js';
import type { ScriptScope } from './script-scope.js';
import { compileTemplate, evaluateOrUndefined, type CompiledTemplate, type ScriptErrorHandler } from './template.js';

/** A JSON value whose strings may hold templates, compiled once. */
export type CompiledJson =
  | { readonly kind: 'static'; readonly value: unknown }
  | { readonly kind: 'text'; readonly template: CompiledTemplate }
  | { readonly kind: 'raw'; readonly expression: CompiledExpression }
  | { readonly kind: 'array'; readonly items: readonly CompiledJson[] }
  | { readonly kind: 'object'; readonly entries: readonly (readonly [string, CompiledJson])[] };

function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return parent === '' ? key : `${parent}.${key}`;
}

function compileAt(value: unknown, path: string): CompiledJson {
  if (typeof value === 'string') {
    let template: CompiledTemplate;
    try {
      template = compileTemplate(value);
    } catch (error) {
      if (error instanceof ScriptSyntaxError) throw new ScriptSyntaxError(error.message, error.position, path);
      throw error;
    }
    if (template.isStatic) return { kind: 'static', value };
    const whole = template.wholeExpression;
    return whole ? { kind: 'raw', expression: whole } : { kind: 'text', template };
  }
  if (Array.isArray(value)) {
    const items = value.map((item, index) => compileAt(item, childPath(path, index)));
    return items.every((item) => item.kind === 'static') ? { kind: 'static', value } : { kind: 'array', items };
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).map(([key, item]) => [key, compileAt(item, childPath(path, key))] as const);
    return entries.every(([, item]) => item.kind === 'static')
      ? { kind: 'static', value }
      : { kind: 'object', entries };
  }
  return { kind: 'static', value };
}

/**
 * Compiles a JSON value. A string that is exactly `"{{expr}}"` yields the expression's raw value
 * (object, number...); other strings render as text. Errors carry the JSON path of the bad string.
 */
export function compileJsonTemplate(value: unknown): CompiledJson {
  return compileAt(value, '');
}

/**
 * Renders a compiled JSON value into fresh data (never aliasing the flow or the scope).
 * An undefined raw value drops its object key; inside arrays it becomes null, as JSON does.
 */
export function renderJsonTemplate(compiled: CompiledJson, scope: ScriptScope, onError?: ScriptErrorHandler): unknown {
  switch (compiled.kind) {
    case 'static':
      return structuredClone(compiled.value);
    case 'text':
      return compiled.template.render(scope, onError);
    case 'raw':
      return cloneData(evaluateOrUndefined(compiled.expression, scope, onError), compiled.expression.source, onError);
    case 'array':
      return compiled.items.map((item) => renderJsonTemplate(item, scope, onError) ?? null);
    case 'object': {
      const result: Record<string, unknown> = {};
      for (const [key, item] of compiled.entries) {
        const value = renderJsonTemplate(item, scope, onError);
        if (value !== undefined) result[key] = value;
      }
      return result;
    }
  }
}

function cloneData(value: unknown, source: string, onError?: ScriptErrorHandler): unknown {
  try {
    return structuredClone(value);
  } catch (error) {
    onError?.(error, source);
    return undefined;
  }
}
