import { parseExpressionAt, type Expression, type Options } from 'acorn';
import { ScriptSyntaxError } from './script-errors.js';

// preserveParens keeps `(…)` in the AST so node.end covers the closing parenthesis.
const PARSE_OPTIONS: Options = { ecmaVersion: 2022, preserveParens: true };
export const MAX_NESTING = 100;

/** Parses one expression starting at `start`; the caller checks what follows it. */
export function parseScript(source: string, start: number): Expression {
  try {
    return parseExpressionAt(source, start, PARSE_OPTIONS);
  } catch (error) {
    if (error instanceof SyntaxError) {
      const position = (error as SyntaxError & { pos?: number }).pos;
      throw new ScriptSyntaxError(`invalid expression: ${error.message}`, position ?? null);
    }
    if (error instanceof RangeError) throw new ScriptSyntaxError('expression is nested too deeply', start);
    throw error;
  }
}

const REFUSED_SYNTAX: Readonly<Record<string, string>> = {
  ThisExpression: "'this'",
  Super: "'super'",
  NewExpression: "'new'",
  AssignmentExpression: 'assignment',
  UpdateExpression: "'++' and '--'",
  SequenceExpression: 'the comma operator',
  FunctionExpression: 'function expressions',
  ArrowFunctionExpression: 'an arrow function outside a call argument',
  TaggedTemplateExpression: 'tagged templates',
  ClassExpression: 'classes',
  AwaitExpression: "'await'",
  YieldExpression: "'yield'",
  ImportExpression: "'import'",
  MetaProperty: "'new.target' and 'import.meta'",
  SpreadElement: 'spread syntax',
  PrivateIdentifier: 'private names',
};

export function refused(node: { type: string; start: number }): ScriptSyntaxError {
  return new ScriptSyntaxError(`${REFUSED_SYNTAX[node.type] ?? node.type} is not allowed in expressions`, node.start);
}

export function forbiddenAccess(name: string, position: number): ScriptSyntaxError {
  return new ScriptSyntaxError(`access to '${name}' is not allowed`, position);
}
