import { describe, expect, it } from 'vitest';
import { compileJsonTemplate, renderJsonTemplate } from './json-template.js';
import { ScriptSyntaxError } from './script-errors.js';
import type { ScriptScope } from './script-scope.js';
import { compileCondition, compileTemplate, evaluateCondition } from './template.js';

const scope: ScriptScope = {
  input: { text: 'hello', data: { k: 'v', n: 2 }, intent: null },
  context: { name: 'Ada', list: [1, 2], flag: true },
  profile: {},
};

function render(source: string): string {
  return compileTemplate(source).render(scope);
}

function compileError(compile: () => unknown): ScriptSyntaxError {
  try {
    compile();
  } catch (error) {
    if (error instanceof ScriptSyntaxError) return error;
    throw error;
  }
  throw new Error('expected a ScriptSyntaxError');
}

describe('text templates', () => {
  it('renders placeholders with and without spaces, and plain text unchanged', () => {
    expect(render('Nice to meet you, {{context.name}}!')).toBe('Nice to meet you, Ada!');
    expect(render('{{ input.text }} / {{ci.text.toUpperCase()}}')).toBe('hello / HELLO');
    expect(render('no templates here')).toBe('no templates here');
    expect(render('')).toBe('');
  });

  it('renders null and undefined as empty, objects as JSON, numbers and booleans as text', () => {
    expect(render('[{{input.intent}}][{{input.missing}}]')).toBe('[][]');
    expect(render('{{input.data}}')).toBe('{"k":"v","n":2}');
    expect(render('{{context.list}} {{input.data.n * 2}} {{context.flag}}')).toBe('[1,2] 4 true');
  });

  it('renders a failing placeholder as an empty string and reports the failure', () => {
    const failures: string[] = [];
    const text = compileTemplate('Hi {{context.user.name}}!').render(scope, (_error, source) => failures.push(source));
    expect(text).toBe('Hi !');
    expect(failures).toEqual(['context.user.name']);
  });

  it('allows `}}` inside the expression because placeholders are parsed with acorn', () => {
    expect(render('{{ {a: {b: 1}}.a.b }}')).toBe('1');
    expect(render("{{ '}}' }}")).toBe('}}');
  });

  it('keeps an unclosed {{ as text', () => {
    expect(render('price {{ 5')).toBe('price {{ 5');
    expect(render('a {{context.name}} b {{')).toBe('a Ada b {{');
  });

  it('reports syntax errors at compile time with the position', () => {
    const error = compileError(() => compileTemplate('Hi {{ context.name + }}'));
    expect(error.message).toMatch(/invalid expression/);
    expect(error.position).toBeGreaterThan(3);
    expect(compileError(() => compileTemplate('{{ }}')).message).toMatch(/empty/);
    expect(compileError(() => compileTemplate('{{ a b }}')).message).toMatch(/expected '}}'/);
    expect(compileError(() => compileTemplate('{{ new Date() }}')).message).toMatch(/'new' is not allowed/);
  });

  it('exposes the expression of a whole-string template only', () => {
    expect(compileTemplate('{{input.data}}').wholeExpression?.source).toBe('input.data');
    expect(compileTemplate('{{input.text}} {{input.text}}').wholeExpression).toBeNull();
    expect(compileTemplate('x{{input.text}}').wholeExpression).toBeNull();
  });

  it('renders in microseconds: expressions are parsed once, not per call', () => {
    const template = compileTemplate(
      'Hello {{context.name}}, you said {{input.text.toUpperCase()}} ({{context.list.length}})',
    );
    const rounds = 20_000;
    const started = performance.now();
    for (let i = 0; i < rounds; i++) template.render(scope);
    const microsecondsPerRender = ((performance.now() - started) * 1000) / rounds;
    expect(microsecondsPerRender).toBeLessThan(50);
  });
});

describe('conditions', () => {
  it.each([
    ['context.flag', true],
    ['input.text === "hello" && context.list.length > 1', true],
    ['input.intent', false],
    ['{{ context.name === "Ada" }}', true],
  ])('%s → %s', (source, expected) => {
    expect(evaluateCondition(compileCondition(source), scope)).toBe(expected);
  });

  it('evaluates a throwing condition as false', () => {
    const errors: unknown[] = [];
    expect(evaluateCondition(compileCondition('context.user.name === "x"'), scope, (e) => errors.push(e))).toBe(false);
    expect(errors).toHaveLength(1);
  });

  it('rejects syntax errors at compile time', () => {
    expect(() => compileCondition('input.text ===')).toThrow(ScriptSyntaxError);
  });
});

describe('JSON templates', () => {
  it('gives a whole "{{expr}}" string the raw value and renders other strings as text', () => {
    const compiled = compileJsonTemplate({
      echo: '{{input.data}}',
      count: '{{input.data.n}}',
      label: 'n={{input.data.n}}',
      fixed: 7,
      nested: [{ who: '{{context.name}}' }, 'static'],
    });
    expect(renderJsonTemplate(compiled, scope)).toEqual({
      echo: { k: 'v', n: 2 },
      count: 2,
      label: 'n=2',
      fixed: 7,
      nested: [{ who: 'Ada' }, 'static'],
    });
  });

  it('drops object keys whose raw value is undefined or failed, and uses null inside arrays', () => {
    const compiled = compileJsonTemplate({
      a: '{{input.missing}}',
      b: '{{context.user.name}}',
      c: ['{{input.missing}}', 1],
    });
    expect(renderJsonTemplate(compiled, scope)).toEqual({ c: [null, 1] });
  });

  it('returns fresh data that does not alias the scope or the compiled value', () => {
    const compiled = compileJsonTemplate({ list: '{{context.list}}', fixed: { deep: [1] } });
    const first = renderJsonTemplate(compiled, scope) as { list: number[]; fixed: { deep: number[] } };
    first.list.push(99);
    first.fixed.deep.push(99);
    expect((scope.context as { list: number[] }).list).toEqual([1, 2]);
    expect(renderJsonTemplate(compiled, scope)).toEqual({ list: [1, 2], fixed: { deep: [1] } });
  });

  it('reports the JSON path of a bad template', () => {
    const error = compileError(() => compileJsonTemplate({ a: { b: ['ok', '{{ 1 + }}'] } }));
    expect(error.path).toBe('a.b[1]');
  });
});
