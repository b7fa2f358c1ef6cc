import {
  compileCondition,
  compileExpression,
  compileJsonTemplate,
  compileTemplate,
  ScriptSyntaxError,
  type CompiledExpression,
  type CompiledJson,
  type CompiledTemplate,
} from '../cognigy-script/index.js';
import { parseContextPath, type ContextPath } from '../context-path.js';
import type { FlowCompileContext } from './compile-context.js';

/** Stand-ins for fields that failed to compile; a flow with errors is never returned, so they never run. */
export const PLACEHOLDER_TEMPLATE = compileTemplate('');
export const PLACEHOLDER_EXPRESSION = compileExpression('undefined');
export const PLACEHOLDER_JSON: CompiledJson = { kind: 'static', value: null };
export const PLACEHOLDER_PATH: ContextPath = ['_'];

interface FieldOptions {
  required?: boolean;
}

/** Reads and checks the fields of one raw node, reporting problems with the node id and field path. */
export class NodeReader {
  constructor(
    private readonly raw: Readonly<Record<string, unknown>>,
    readonly nodeId: string,
    private readonly index: number,
    private readonly context: FlowCompileContext,
  ) {}

  error(field: string, message: string): void {
    this.context.error(this.nodeId, `nodes[${this.index}].${field}`, message);
  }

  value(field: string): unknown {
    return Object.hasOwn(this.raw, field) ? this.raw[field] : undefined;
  }

  /** Reads a field, reporting it when it is required and missing, or not of the expected type. */
  private typed<T>(
    field: string,
    guard: (value: unknown) => value is T,
    expected: string,
    options: FieldOptions,
  ): T | null {
    const value = this.value(field);
    if (value === undefined || value === null) {
      if (options.required) this.error(field, 'is required');
      return null;
    }
    if (!guard(value)) {
      this.error(field, `must be ${expected}`);
      return null;
    }
    return value;
  }

  string(field: string, options: FieldOptions = {}): string | null {
    const value = this.typed(field, isString, 'a string', options);
    if (value !== null && options.required && value.trim() === '') {
      this.error(field, 'must not be empty');
      return null;
    }
    return value;
  }

  /** A same-flow node id; existence is checked after all nodes are read. */
  nodeRef(field: string, options: FieldOptions = {}): string | null {
    const target = this.string(field, options);
    if (target !== null) this.reference(field, target);
    return target;
  }

  /** Records a same-flow reference read from a nested field (e.g. `cases[0].next`). */
  reference(field: string, target: string): void {
    this.context.references.push({ from: this.nodeId, field: `nodes[${this.index}].${field}`, target });
  }

  /** A flow id checked against the known flows; returns null when it names this flow. */
  flowRef(field: string, flowId: string): string | null {
    if (this.context.isSameFlow(flowId)) return null;
    const known = this.context.options.knownFlowIds;
    if (known && !known.has(flowId)) this.error(field, `refers to unknown flow '${flowId}'`);
    return flowId;
  }

  isSameFlow(flowId: string | null): boolean {
    return this.context.isSameFlow(flowId);
  }

  enumValue<T extends string>(field: string, allowed: readonly T[], fallback: T | null): T | null {
    const value = this.value(field);
    if (value === undefined || value === null) {
      if (fallback === null) this.error(field, 'is required');
      return fallback;
    }
    if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
    this.error(field, `must be one of ${allowed.join(', ')}`);
    return fallback;
  }

  integer(field: string, min: number, max: number): number | null {
    const value = this.typed(field, isNumber, 'a number', {});
    if (value === null) return null;
    if (!Number.isInteger(value) || value < min || value > max) {
      this.error(field, `must be an integer from ${min} to ${max}`);
      return null;
    }
    return value;
  }

  private compileScript<T>(field: string, compile: () => T): T | null {
    try {
      return compile();
    } catch (error) {
      if (!(error instanceof ScriptSyntaxError)) throw error;
      const where = error.path === null || error.path === '' ? field : joinPath(field, error.path);
      this.error(where, error.message);
      return null;
    }
  }

  templateOf(field: string, source: string): CompiledTemplate | null {
    return this.compileScript(field, () => compileTemplate(source));
  }

  template(field: string, options: FieldOptions = {}): CompiledTemplate | null {
    const source = this.typed(field, isString, 'a string', options);
    return source === null ? null : this.templateOf(field, source);
  }

  expression(field: string, fallbackSource: string): CompiledExpression | null {
    const source = this.string(field) ?? fallbackSource;
    return this.compileScript(field, () => compileExpression(source));
  }

  condition(field: string): CompiledExpression | null {
    const source = this.string(field, { required: true });
    return source === null ? null : this.compileScript(field, () => compileCondition(source));
  }

  json(field: string, options: FieldOptions & { objectOnly?: boolean } = {}): CompiledJson | null {
    const value = this.value(field);
    if (value === undefined) {
      if (options.required) this.error(field, 'is required');
      return null;
    }
    if (options.objectOnly && !isPlainObject(value)) {
      this.error(field, 'must be an object');
      return null;
    }
    return this.compileScript(field, () => compileJsonTemplate(value));
  }

  contextPath(field: string, options: FieldOptions = {}): ContextPath | null {
    const key = this.string(field, options);
    if (key === null) return null;
    const path = parseContextPath(key);
    if (!path) this.error(field, `'${key}' is not a valid context key (dot-separated names, no reserved names)`);
    return path;
  }

  regex(field: string): RegExp | null {
    const source = this.string(field, { required: true });
    if (source === null) return null;
    try {
      return new RegExp(source);
    } catch (error) {
      this.error(field, `is not a valid regular expression: ${(error as Error).message}`);
      return null;
    }
  }
}

function joinPath(field: string, path: string): string {
  return path.startsWith('[') ? `${field}${path}` : `${field}.${path}`;
}

function isString(value: unknown): value is string {
  return typeof value === 'string';
}

function isNumber(value: unknown): value is number {
  return typeof value === 'number';
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
