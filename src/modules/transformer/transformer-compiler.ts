import * as acorn from 'acorn';
import { transform } from 'sucrase';
import { appendInlineSourceMap, originalColumn } from './user-source-map.js';

export type CompileResult = { ok: true; js: string } | CompileFailure;

export interface CompileFailure {
  ok: false;
  message: string;
  /** 1-based, in the user's source. */
  line: number;
  /** 1-based, in the user's source. */
  column: number;
}

export type CodeNodeCompileResult = { ok: true; functionJs: string; firstLineOffset: number } | CompileFailure;

export const MAX_SOURCE_CHARS = 512 * 1024;
const ENTRY_POINT = 'createWebhookTransformer';
const CODE_NODE_PREFIX = '(async function () {';

/**
 * Transpiles a transformer module (TypeScript or JavaScript) and checks its syntax. The result keeps the user's
 * line numbers and carries an inline map for columns, so runtime errors point into the original source.
 */
export function compileTransformer(source: string): CompileResult {
  const transpiled = transpile(source);
  if (!transpiled.ok) return transpiled;
  if (!callsEntryPoint(transpiled.program)) {
    return {
      ok: false,
      message: `The transformer must call ${ENTRY_POINT}({ handleInput, handleOutput, ... }).`,
      line: 1,
      column: 1,
    };
  }
  return { ok: true, js: transpiled.js };
}

/** Compiles a flow code node: its code becomes the body of an async function, on the same lines. */
export function compileCodeNode(code: string): CodeNodeCompileResult {
  const transpiled = transpile(`${CODE_NODE_PREFIX}${code}\n})`);
  if (!transpiled.ok) {
    const column = transpiled.line === 1 ? Math.max(1, transpiled.column - CODE_NODE_PREFIX.length) : transpiled.column;
    return { ...transpiled, column };
  }
  return { ok: true, functionJs: transpiled.js, firstLineOffset: CODE_NODE_PREFIX.length };
}

type Transpiled = { ok: true; js: string; program: acorn.Program } | CompileFailure;

function transpile(source: string): Transpiled {
  if (source.length > MAX_SOURCE_CHARS) {
    return { ok: false, message: `The code is longer than ${MAX_SOURCE_CHARS} characters.`, line: 1, column: 1 };
  }
  let js: string;
  let mappings: string | undefined;
  try {
    const result = transform(source, {
      transforms: ['typescript'],
      filePath: 'transformer.ts',
      sourceMapOptions: { compiledFilename: 'transformer.js' },
    });
    js = result.code;
    mappings = result.sourceMap?.mappings;
  } catch (error) {
    return sucraseFailure(error);
  }
  const withMap = mappings === undefined || js === source ? js : appendInlineSourceMap(js, mappings);
  try {
    const program = acorn.parse(js, { ecmaVersion: 'latest', sourceType: 'script', locations: true });
    return { ok: true, js: withMap, program };
  } catch (error) {
    return acornFailure(error, withMap);
  }
}

function sucraseFailure(error: unknown): CompileFailure {
  const loc = (error as { loc?: { line?: unknown; column?: unknown } }).loc;
  const raw = error instanceof Error ? error.message : String(error);
  const message = raw.replace(/^Error transforming [^:]*: /, '').replace(/ \(\d+:\d+\)$/, '');
  // Sucrase reports 1-based columns.
  const line = typeof loc?.line === 'number' ? loc.line : 1;
  const column = typeof loc?.column === 'number' ? Math.max(1, loc.column) : 1;
  return { ok: false, message: `SyntaxError: ${message}`, line, column };
}

function acornFailure(error: unknown, js: string): CompileFailure {
  const loc = (error as { loc?: { line?: unknown; column?: unknown } }).loc;
  const raw = error instanceof Error ? error.message : String(error);
  const message = raw.replace(/ \(\d+:\d+\)$/, '');
  const line = typeof loc?.line === 'number' ? loc.line : 1;
  // Acorn columns are 0-based and count in the transpiled code.
  const column = typeof loc?.column === 'number' ? originalColumn(js, line, loc.column + 1) : 1;
  return { ok: false, message: `SyntaxError: ${message}`, line, column };
}

function callsEntryPoint(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(callsEntryPoint);
  if (node === null || typeof node !== 'object') return false;
  const record = node as Record<string, unknown>;
  if (record.type === 'CallExpression') {
    const callee = record.callee as { type?: unknown; name?: unknown } | undefined;
    if (callee?.type === 'Identifier' && callee.name === ENTRY_POINT) return true;
  }
  for (const [key, value] of Object.entries(record)) {
    if (key !== 'loc' && value !== null && typeof value === 'object' && callsEntryPoint(value)) return true;
  }
  return false;
}
