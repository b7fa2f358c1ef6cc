import { describe, expect, it } from 'vitest';
import { compileExpression } from './expression-compiler.js';
import { ScriptRuntimeError, ScriptSyntaxError } from './script-errors.js';
import { spendStep, type ScriptScope } from './script-scope.js';

const scope: ScriptScope = {
  input: { text: 'Hello World', intent: 'greet', data: { count: 3, tags: ['a', 'b'] }, nested: null },
  context: { name: 'Ada', items: [1, 2, 3, 4], order: { id: 'o1', lines: [{ sku: 'x', qty: 2 }] } },
  profile: { email: 'ada@example.com' },
};

function evaluate(source: string, on: ScriptScope = scope): unknown {
  return compileExpression(source).evaluate(on);
}

function syntaxErrorOf(source: string): ScriptSyntaxError {
  try {
    compileExpression(source);
  } catch (error) {
    if (error instanceof ScriptSyntaxError) return error;
    throw error;
  }
  throw new Error(`expected '${source}' to be refused at compile time`);
}

describe('compileExpression: the language subset', () => {
  it.each([
    ['1 + 2 * 3', 7],
    ['"a" + 1', 'a1'],
    ['10 % 4 ** 2', 10],
    ['7 / 2', 3.5],
    ['1 < 2 && 2 <= 2 && 3 > 2 && 3 >= 4', false],
    ['1 == "1"', true],
    ['1 === "1"', false],
    ['1 != 2', true],
    ['null !== undefined', true],
    ['5 & 3 | 8 ^ 1', 9],
    ['1 << 3 >> 1 >>> 0', 4],
    ['-"3" + +"2"', -1],
    ['!0', true],
    ['~1', -2],
    ['typeof context.name', 'string'],
    ['void 1', undefined],
    ['null ?? "d"', 'd'],
    ['0 ?? "d"', 0],
    ['0 || "d"', 'd'],
    ['1 && "y"', 'y'],
    ['context.name === "Ada" ? "yes" : "no"', 'yes'],
    ['`Hi ${context.name}, ${1 + 1}`', 'Hi Ada, 2'],
    ['[1, "two", null]', [1, 'two', null]],
    ['({ a: 1, "b": context.name, [input.intent]: true })', { a: 1, b: 'Ada', greet: true }],
    ['({ name: "x" }).name', 'x'],
    ['undefined', undefined],
    ['NaN', NaN],
    ['Infinity > 1', true],
  ])('%s', (source, expected) => {
    expect(evaluate(source)).toEqual(expected);
  });

  it('reads the scope through full names and the Cognigy aliases', () => {
    expect(evaluate('input.text + ci.intent')).toBe('Hello Worldgreet');
    expect(evaluate('context.name + cc.order.id')).toBe('Adao1');
    expect(evaluate('profile.email === cp.email')).toBe(true);
  });

  it('supports computed member access, array indexes, string indexes and length', () => {
    expect(evaluate('context["name"]')).toBe('Ada');
    expect(evaluate('context.items[1]')).toBe(2);
    expect(evaluate('context.items[context.items.length - 1]')).toBe(4);
    expect(evaluate('context.order.lines[0].qty')).toBe(2);
    expect(evaluate('input.text[0] + input.text.length')).toBe('H11');
    expect(evaluate('context.items[10]')).toBeUndefined();
    expect(evaluate('input.text[99]')).toBeUndefined();
  });

  it('short-circuits optional chaining and fails plain access on nullish values', () => {
    expect(evaluate('input.nested?.deep.deeper')).toBeUndefined();
    expect(evaluate('input.missing?.[0]')).toBeUndefined();
    expect(evaluate('input.missing?.toLowerCase()')).toBeUndefined();
    expect(evaluate('context.order.toFixed?.(1)')).toBeUndefined();
    expect(evaluate('context.order?.id')).toBe('o1');
    expect(() => evaluate('input.nested.deep')).toThrow(ScriptRuntimeError);
    expect(() => evaluate('(input.nested?.deep).x')).toThrow(ScriptRuntimeError);
  });

  it('calls the allowed string methods', () => {
    expect(evaluate('input.text.toLowerCase()')).toBe('hello world');
    expect(evaluate('input.text.toUpperCase()')).toBe('HELLO WORLD');
    expect(evaluate('"  x ".trim()')).toBe('x');
    expect(evaluate('input.text.includes("World")')).toBe(true);
    expect(evaluate('input.text.startsWith("Hell") && input.text.endsWith("ld")')).toBe(true);
    expect(evaluate('input.text.indexOf("o")')).toBe(4);
    expect(evaluate('input.text.slice(-5)')).toBe('World');
    expect(evaluate('input.text.substring(0, 5)')).toBe('Hello');
    expect(evaluate('input.text.split(" ")')).toEqual(['Hello', 'World']);
    expect(evaluate('input.text.replace("World", "there")')).toBe('Hello there');
    expect(evaluate('"7".padStart(3, "0")')).toBe('007');
  });

  it('calls array methods with arrow-function callbacks, including closures over outer parameters', () => {
    expect(evaluate('context.items.map(x => x * 2)')).toEqual([2, 4, 6, 8]);
    expect(evaluate('context.items.filter((x, i) => x % 2 === 0 && i > 0)')).toEqual([2, 4]);
    expect(evaluate('context.items.some(x => x > 3)')).toBe(true);
    expect(evaluate('context.items.every(x => x > 3)')).toBe(false);
    expect(evaluate('context.items.find(x => x > 2)')).toBe(3);
    expect(evaluate('context.items.findIndex(x => x > 2)')).toBe(2);
    expect(evaluate('context.items.map(x => context.items.map(y => x * y)[1])')).toEqual([2, 4, 6, 8]);
    expect(evaluate('context.order.lines.map(l => l.sku).join("|")')).toBe('x');
    expect(evaluate('input.data.tags.includes("b") && input.data.tags.length')).toBe(2);
  });

  it('lets arrow parameters shadow scope names and namespaces', () => {
    expect(evaluate('context.items.map(input => input + 1)[0]')).toBe(2);
    expect(evaluate('context.items.map(Math => Math + 1)[0]')).toBe(2);
  });

  it('calls number methods and the allowed globals and namespaces', () => {
    expect(evaluate('(3.14159).toFixed(2)')).toBe('3.14');
    expect(evaluate('(255).toString(16)')).toBe('ff');
    expect(evaluate('Math.max(1, 5, 3) + Math.round(2.5) + Math.PI * 0')).toBe(8);
    expect(evaluate('JSON.stringify({ a: [1] })')).toBe('{"a":[1]}');
    expect(evaluate('JSON.parse("{\\"a\\":2}").a')).toBe(2);
    expect(evaluate('Number("42") + parseInt("8px") + parseFloat("0.5")')).toBe(50.5);
    expect(evaluate('String(12) + Boolean(0)')).toBe('12false');
    expect(evaluate('isNaN("x") && Number.isInteger(4) && Array.isArray(context.items)')).toBe(true);
    expect(evaluate('Number.MAX_SAFE_INTEGER')).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('reads own data properties only: inherited members and methods as values are undefined', () => {
    expect(evaluate('context.hasOwnProperty')).toBeUndefined();
    expect(evaluate('context.toString')).toBeUndefined();
    expect(evaluate('context.items.map')).toBeUndefined();
    expect(evaluate('input.text.toLowerCase')).toBeUndefined();
  });
});

describe('compileExpression: refused syntax is reported at compile time', () => {
  it.each([
    ['new Date()', "'new' is not allowed"],
    ['this', "'this' is not allowed"],
    ['context.name = "x"', 'assignment is not allowed'],
    ['context.items++', "'++' and '--' is not allowed"],
    ['(1, 2)', 'the comma operator is not allowed'],
    ['function () { return 1 }', 'function expressions is not allowed'],
    ['(() => 1)()', 'only allowed functions and methods can be called'],
    ['x => x', 'an arrow function outside a call argument is not allowed'],
    ['context.items.map(x => { return x })', 'body must be a single expression'],
    ['context.items.map(({ a }) => a)', 'parameters must be plain names'],
    ['[...context.items]', 'spread syntax is not allowed'],
    ['String.raw`x`', 'tagged templates is not allowed'],
    ['delete context.name', "operator 'delete' is not allowed"],
    ['"a" in context', "operator 'in' is not allowed"],
    ['context instanceof Object', "operator 'instanceof' is not allowed"],
    ['/x/.test("x")', 'regular expression literals are not allowed'],
    ['1n', 'BigInt literals are not allowed'],
    ['process', "unknown variable 'process'"],
    ['globalThis', "unknown variable 'globalThis'"],
    ['require("fs")', "'require' is not an allowed function"],
    ['eval("1")', "'eval' is not an allowed function"],
    ['Math', "'Math' can only be used"],
    ['Math.nope(1)', "'Math.nope' is not an allowed function"],
    ['Math.max', "'Math.max' can only be called"],
    ['context.items.push(5)', "'push()' is not an allowed method"],
    ['context.items.sort()', "'sort()' is not an allowed method"],
    ['({ get a() { return 1 } })', 'getters, setters and methods are not allowed'],
    ['({ __proto__: {} })', "object key '__proto__' is not allowed"],
    ['1 +', 'invalid expression'],
    ['', 'expression is empty'],
    ['1 2', "unexpected '2' after the expression"],
  ])('%s', (source, message) => {
    expect(syntaxErrorOf(source).message).toContain(message);
  });

  it('refuses pathologically deep nesting instead of overflowing the stack', () => {
    const nested = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`;
    expect(syntaxErrorOf(nested(150)).message).toMatch(/nested too deeply/);
    expect(syntaxErrorOf(nested(100_000)).message).toMatch(/stack/);
  });
});

describe('compileExpression: sandbox escapes fail safely', () => {
  it('refuses the classic Function-constructor escape at compile time', () => {
    expect(syntaxErrorOf("input.constructor.constructor('return process')()")).toBeInstanceOf(ScriptSyntaxError);
    expect(syntaxErrorOf("input.constructor.constructor('return process')").message).toMatch(
      /access to 'constructor' is not allowed/,
    );
  });

  it.each([
    'input.constructor',
    'input.__proto__',
    'context.items.__proto__.push',
    'input.text.prototype',
    "input['constructor']",
    'context.__defineGetter__',
  ])('refuses %s at compile time', (source) => {
    expect(syntaxErrorOf(source).message).toMatch(/access to '.+' is not allowed/);
  });

  it.each([
    "input['constr' + 'uctor']",
    "input[['__proto__'][0]]",
    "context.items[['constructor'].join('')]",
    "input.text[('proto' + 'type')]",
  ])('refuses %s at run time', (source) => {
    const expression = compileExpression(source);
    expect(() => expression.evaluate(scope)).toThrow(/is not allowed/);
  });

  it('refuses computed method names outside the allow-list at run time', () => {
    const expression = compileExpression("input.text['const' + 'ructor']('x')");
    expect(() => expression.evaluate(scope)).toThrow(/not an allowed method/);
  });

  it('refuses computed object keys that would set a prototype', () => {
    const expression = compileExpression("({ ['__pro' + 'to__']: { polluted: true } })");
    expect(() => expression.evaluate(scope)).toThrow(/not allowed/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses callbacks and function replacements where built-ins would call them', () => {
    expect(() => evaluate('input.text.replace("H", x => x)')).toThrow(/does not take a function/);
    expect(() => evaluate('String(x => x)')).toThrow(/does not take a function/);
    expect(() => evaluate('context.items.map(1)')).toThrow(/expects an arrow function/);
  });

  it('reads function-valued own properties as undefined', () => {
    const hostile: ScriptScope = { input: { fn: () => 'called' }, context: {}, profile: {} };
    expect(evaluate('input.fn', hostile)).toBeUndefined();
    expect(() => evaluate('input.fn()', hostile)).toThrow(ScriptSyntaxError);
  });

  it('does not run getters on the data', () => {
    let called = false;
    const data = Object.defineProperty({}, 'secret', {
      get: () => {
        called = true;
        return 'x';
      },
    });
    expect(evaluate('input.secret', { input: data, context: {}, profile: {} })).toBeUndefined();
    expect(called).toBe(false);
  });

  it('stops runaway evaluations with a step budget', () => {
    const big = Array.from({ length: 1000 }, (_, i) => i);
    const on: ScriptScope = { input: {}, context: { big }, profile: {} };
    expect(() => evaluate('context.big.map(a => context.big.map(b => a + b)).length', on)).toThrow(
      /evaluation budget|ran longer than/,
    );
  });

  it('refuses a step once the step budget is spent', () => {
    const env = { scope, locals: [], budget: { steps: 1, allocation: 0, deadline: Infinity } };
    spendStep(env);
    expect(() => spendStep(env)).toThrow(/evaluation budget/);
  });

  it('stops evaluations that run too long even within the step budget', () => {
    const on: ScriptScope = { input: {}, context: { big: Array.from({ length: 200_000 }, (_, i) => i) }, profile: {} };
    // Each callback scans the 200k array: well under 100k steps, far over the time limit.
    expect(() => evaluate('context.big.map(x => context.big.includes(-1))', on)).toThrow(/ran longer than/);
  });

  it('caps single strings, refusing oversized results before building them', () => {
    const on: ScriptScope = { input: {}, context: { s: 'x'.repeat(600_000), short: 'ab'.repeat(2000) }, profile: {} };
    expect(() => evaluate('context.s + context.s', on)).toThrow(/longer than/);
    expect(() => evaluate('"x".padStart(2000000)', on)).toThrow(/longer than/);
    expect(() => evaluate('context.short.replaceAll("a", context.short)', on)).toThrow(/longer than/);
    expect(() => evaluate('context.short.split("").join(context.short)', on)).toThrow(/longer than/);
    expect(evaluate('"a-b".replaceAll("-", "+") + [1, 2].join()', on)).toBe('a+b1,2');
    // Replacement patterns like $` would copy the input once per occurrence: they are inserted literally.
    expect(evaluate('"ab".replace("b", "$`$&")', on)).toBe('a$`$&');
  });

  it('charges everything an evaluation creates to a memory budget', () => {
    const on: ScriptScope = { input: {}, context: { chunk: 'x'.repeat(500_000), ten: [...'0123456789'] }, profile: {} };
    // 10 × 10 × 1 MB would be 100 MB of strings; the evaluation stops at its budget instead.
    const source = 'context.ten.map(a => context.ten.map(b => context.chunk + context.chunk))';
    expect(() => evaluate(source, on)).toThrow(/memory budget/);
    // Each evaluation gets a fresh budget.
    expect(evaluate('(context.chunk + context.chunk).length', on)).toBe(1_000_000);
  });
});
