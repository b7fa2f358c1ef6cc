import { compileAst, compileExpression, type CompiledExpression } from './expression-compiler.js';
import { parseScript } from './script-syntax.js';
import { ScriptSyntaxError } from './script-errors.js';
import type { ScriptScope } from './script-scope.js';

/** Called with each evaluation failure, so the engine can log it; evaluation itself never throws. */
export type ScriptErrorHandler = (error: unknown, source: string) => void;

type TemplatePart = string | CompiledExpression;

/** How a template value appears inside text: nothing for null/undefined, JSON for objects. */
export function stringifyForText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'object') {
    try {
      return JSON.stringify(value) ?? '';
    } catch {
      return '';
    }
  }
  return typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint' ? String(value) : '';
}

/** Evaluates an expression, turning a failure into `undefined` (reported to `onError`). */
export function evaluateOrUndefined(
  expression: CompiledExpression,
  scope: ScriptScope,
  onError?: ScriptErrorHandler,
): unknown {
  try {
    return expression.evaluate(scope);
  } catch (error) {
    onError?.(error, expression.source);
    return undefined;
  }
}

/** A string with `{{ expr }}` placeholders, parsed once. */
export class CompiledTemplate {
  constructor(
    readonly source: string,
    private readonly parts: readonly TemplatePart[],
  ) {}

  /** The expression when the whole string is one `{{ expr }}`: JSON values then take its raw value. */
  get wholeExpression(): CompiledExpression | null {
    const [only] = this.parts;
    return this.parts.length === 1 && typeof only !== 'string' ? only : null;
  }

  get isStatic(): boolean {
    return this.parts.every((part) => typeof part === 'string');
  }

  /** Renders the text; a failing placeholder renders as an empty string. */
  render(scope: ScriptScope, onError?: ScriptErrorHandler): string {
    let text = '';
    for (const part of this.parts) {
      text += typeof part === 'string' ? part : stringifyForText(evaluateOrUndefined(part, scope, onError));
    }
    return text;
  }
}

/** Finds where the placeholder opened at `open` ends, parsing its expression with acorn so `}}` inside it is fine. */
function parsePlaceholder(
  source: string,
  open: number,
  close: number,
): { expression: CompiledExpression; end: number } {
  if (source.slice(open + 2, close).trim() === '') throw new ScriptSyntaxError('empty {{ }} placeholder', open);
  const ast = parseScript(source, open + 2);
  let end = ast.end;
  while (end < source.length && /\s/.test(source[end])) end += 1;
  if (!source.startsWith('}}', end)) throw new ScriptSyntaxError("expected '}}' to close the placeholder", end);
  return { expression: compileAst(source.slice(ast.start, ast.end), ast), end: end + 2 };
}

export function compileTemplate(source: string): CompiledTemplate {
  const parts: TemplatePart[] = [];
  let position = 0;
  for (;;) {
    const open = source.indexOf('{{', position);
    // An unclosed '{{' is plain text, as in the original product.
    const close = open < 0 ? -1 : source.indexOf('}}', open + 2);
    if (close < 0) break;
    if (open > position) parts.push(source.slice(position, open));
    const placeholder = parsePlaceholder(source, open, close);
    parts.push(placeholder.expression);
    position = placeholder.end;
  }
  if (position < source.length) parts.push(source.slice(position));
  return new CompiledTemplate(source, parts);
}

/** A condition is a bare expression; `{{ expr }}` around it is tolerated because users write both. */
export function compileCondition(source: string): CompiledExpression {
  const trimmed = source.trim();
  if (trimmed.startsWith('{{')) {
    const whole = compileTemplate(trimmed).wholeExpression;
    if (whole) return whole;
  }
  return compileExpression(source);
}

export function evaluateCondition(
  condition: CompiledExpression,
  scope: ScriptScope,
  onError?: ScriptErrorHandler,
): boolean {
  try {
    return Boolean(condition.evaluate(scope));
  } catch (error) {
    onError?.(error, condition.source);
    return false;
  }
}
