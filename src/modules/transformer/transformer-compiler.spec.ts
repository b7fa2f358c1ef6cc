import { describe, expect, it } from 'vitest';
import { compileCodeNode, compileTransformer, MAX_SOURCE_CHARS } from './transformer-compiler.js';
import { originalColumn, stripInlineSourceMap } from './user-source-map.js';

describe('compileTransformer', () => {
  it('strips TypeScript types and keeps every line where the user wrote it', () => {
    const source = [
      'interface Body { text: string }',
      'type Out = { text: string };',
      'enum Kind { A, B }',
      'createWebhookTransformer({',
      '  handleOutput: async ({ output }: { output: Body }): Promise<Out> => ({ text: output.text }),',
      '});',
    ].join('\n');

    const result = compileTransformer(source);

    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const lines = stripInlineSourceMap(result.js).split('\n');
    expect(lines).toHaveLength(6);
    expect(lines[0].trim()).toBe('');
    expect(lines[4]).toContain('handleOutput: async ({ output }) => ({ text: output.text })');
    expect(result.js).not.toContain('interface');
  });

  it('leaves plain JavaScript untouched', () => {
    const source = 'createWebhookTransformer({ handleOutput: async ({ output }) => output });';

    expect(compileTransformer(source)).toEqual({ ok: true, js: source });
  });

  it('reports a syntax error found while transpiling at its line and column', () => {
    const result = compileTransformer('const a = 1;\nconst b = {\n  c: 2 +\n};\ncreateWebhookTransformer({});');

    expect(result).toMatchObject({ ok: false, line: 4, column: 1 });
    expect(result.ok ? '' : result.message).toMatch(/^SyntaxError: Unexpected token/);
  });

  it('maps a syntax error behind TypeScript annotations back to the column the user wrote', () => {
    // `let` as a variable name is only rejected by the JavaScript parser, after the types are gone.
    const result = compileTransformer(
      'createWebhookTransformer({});\nconst value: Record<string, number> = {}; let let = 1;',
    );

    expect(result).toMatchObject({ ok: false, line: 2 });
    expect(result.ok ? 0 : result.column).toBe('const value: Record<string, number> = {}; let '.length + 1);
  });

  it('refuses a module that never calls createWebhookTransformer', () => {
    const result = compileTransformer('const hooks = { handleOutput: () => 1 };');

    expect(result).toMatchObject({ ok: false, line: 1, column: 1 });
    expect(result.ok ? '' : result.message).toContain('createWebhookTransformer');
  });

  it('accepts the Cognigy style of assigning the transformer to a constant', () => {
    expect(compileTransformer('const transformer = createWebhookTransformer({});').ok).toBe(true);
  });

  it('refuses import statements, which a sandboxed script cannot use', () => {
    const result = compileTransformer(
      "import fs from 'fs';\ncreateWebhookTransformer({ handleOutput: () => fs.readFileSync('/etc/passwd') });",
    );

    expect(result).toMatchObject({ ok: false, line: 1 });
  });

  it('refuses sources above the size limit', () => {
    expect(compileTransformer(' '.repeat(MAX_SOURCE_CHARS + 1)).ok).toBe(false);
  });
});

describe('compileCodeNode', () => {
  it('wraps the code in an async function on the same lines', () => {
    const result = compileCodeNode('const x: number = await Promise.resolve(1);\nreturn x;');

    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(stripInlineSourceMap(result.functionJs).split('\n')).toHaveLength(3);
    expect(result.functionJs.startsWith('(async function () {const x = await')).toBe(true);
  });

  it('reports syntax errors on the first line relative to the user code', () => {
    const result = compileCodeNode('let = 5;');

    expect(result).toMatchObject({ ok: false, line: 1, column: 5 });
  });
});

describe('originalColumn', () => {
  it('maps columns of transpiled TypeScript back to the source', () => {
    const result = compileTransformer('createWebhookTransformer({});\nconst a: number = 1; const b = missing;');
    if (!result.ok) throw new Error(result.message);

    const generatedColumn = stripInlineSourceMap(result.js).split('\n')[1].indexOf('missing') + 1;

    expect(originalColumn(result.js, 2, generatedColumn)).toBe('const a: number = 1; const b = '.length + 1);
  });
});
