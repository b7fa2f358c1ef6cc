import {
  type ArrayExpression,
  type ArrowFunctionExpression,
  type BinaryExpression,
  type CallExpression,
  type Expression,
  type Identifier,
  type Literal,
  type LogicalExpression,
  type MemberExpression,
  type ObjectExpression,
  type Property,
  type SpreadElement,
  type Super,
  type TemplateLiteral,
  type UnaryExpression,
} from 'acorn';
import { BINARY_OPERATORS, UNARY_OPERATORS } from './operators.js';
import { isForbiddenName, readProperty, toPropertyKey } from './safe-access.js';
import { GLOBAL_CONSTANTS, GLOBAL_FUNCTIONS, NAMESPACES, type BuiltinNamespace } from './safe-builtins.js';
import { ALLOWED_METHOD_NAMES, callMethod, hasMethod } from './safe-methods.js';
import { ScriptRuntimeError, ScriptSyntaxError } from './script-errors.js';
import { forbiddenAccess, MAX_NESTING, parseScript, refused } from './script-syntax.js';
import { requireData, ScriptLambda } from './script-lambda.js';
import { charge, newEvalEnv, spendStep, type EvalEnv, type Evaluator, type ScriptScope } from './script-scope.js';

/** Marks a short-circuited optional chain (`a?.b.c` with `a` nullish) until its ChainExpression ends. */
const CHAIN_ABORT: unique symbol = Symbol('chainAbort');

const SCOPE_ROOTS: ReadonlyMap<string, (scope: ScriptScope) => unknown> = new Map<
  string,
  (scope: ScriptScope) => unknown
>([
  ['input', (scope) => scope.input],
  ['ci', (scope) => scope.input],
  ['context', (scope) => scope.context],
  ['cc', (scope) => scope.context],
  ['profile', (scope) => scope.profile],
  ['cp', (scope) => scope.profile],
]);

/** An expression parsed and compiled once; `evaluate` runs the pre-built closures only. */
export class CompiledExpression {
  constructor(
    readonly source: string,
    private readonly evaluator: Evaluator,
  ) {}

  /** Throws on failure; callers choose the fallback ('' in text, undefined in values, false in conditions). */
  evaluate(scope: ScriptScope): unknown {
    return this.evaluator(newEvalEnv(scope));
  }
}

export function compileAst(source: string, ast: Expression): CompiledExpression {
  return new CompiledExpression(source, new AstCompiler().compile(ast, []));
}

export function compileExpression(source: string): CompiledExpression {
  if (source.trim() === '') throw new ScriptSyntaxError('expression is empty', 0);
  const ast = parseScript(source, 0);
  const rest = source.slice(ast.end).trim();
  if (rest !== '') throw new ScriptSyntaxError(`unexpected '${rest.slice(0, 20)}' after the expression`, ast.end);
  return compileAst(source, ast);
}

/** Turns an acorn AST into closures, refusing everything outside the whitelisted subset. */
class AstCompiler {
  private depth = 0;

  compile(node: Expression | Super | SpreadElement, locals: readonly string[]): Evaluator {
    this.depth += 1;
    if (this.depth > MAX_NESTING) throw new ScriptSyntaxError('expression is nested too deeply', node.start);
    try {
      return this.compileNode(node, locals);
    } finally {
      this.depth -= 1;
    }
  }

  private compileNode(node: Expression | Super | SpreadElement, locals: readonly string[]): Evaluator {
    switch (node.type) {
      case 'Literal':
        return this.literal(node);
      case 'Identifier':
        return this.identifier(node, locals);
      case 'TemplateLiteral':
        return this.templateLiteral(node, locals);
      case 'ArrayExpression':
        return this.array(node, locals);
      case 'ObjectExpression':
        return this.object(node, locals);
      case 'UnaryExpression':
        return this.unary(node, locals);
      case 'BinaryExpression':
        return this.binary(node, locals);
      case 'LogicalExpression':
        return this.logical(node, locals);
      case 'ConditionalExpression': {
        const [test, consequent, alternate] = [node.test, node.consequent, node.alternate].map((n) =>
          this.compile(n, locals),
        );
        return (env) => (test(env) ? consequent(env) : alternate(env));
      }
      case 'MemberExpression':
        return this.member(node, locals);
      case 'CallExpression':
        return this.call(node, locals);
      case 'ChainExpression': {
        const inner = this.compile(node.expression, locals);
        return (env) => {
          const value = inner(env);
          return value === CHAIN_ABORT ? undefined : value;
        };
      }
      case 'ParenthesizedExpression':
        return this.compile(node.expression, locals);
      case 'ThisExpression':
      case 'Super':
      case 'NewExpression':
      case 'AssignmentExpression':
      case 'UpdateExpression':
      case 'SequenceExpression':
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
      case 'TaggedTemplateExpression':
      case 'ClassExpression':
      case 'AwaitExpression':
      case 'YieldExpression':
      case 'ImportExpression':
      case 'MetaProperty':
      case 'SpreadElement':
        throw refused(node);
    }
  }

  private literal(node: Literal): Evaluator {
    if (node.regex) throw new ScriptSyntaxError('regular expression literals are not allowed', node.start);
    if (node.bigint !== undefined) throw new ScriptSyntaxError('BigInt literals are not allowed', node.start);
    const value = node.value;
    return () => value;
  }

  private identifier(node: Identifier, locals: readonly string[]): Evaluator {
    const slot = locals.lastIndexOf(node.name);
    if (slot >= 0) return (env) => env.locals[slot];
    const root = SCOPE_ROOTS.get(node.name);
    if (root) return (env) => root(env.scope);
    if (GLOBAL_CONSTANTS.has(node.name)) {
      const value = GLOBAL_CONSTANTS.get(node.name);
      return () => value;
    }
    if (NAMESPACES.has(node.name) || GLOBAL_FUNCTIONS.has(node.name)) {
      throw new ScriptSyntaxError(
        `'${node.name}' can only be used to call its functions or read its constants`,
        node.start,
      );
    }
    throw new ScriptSyntaxError(`unknown variable '${node.name}' (use input, context or profile)`, node.start);
  }

  private templateLiteral(node: TemplateLiteral, locals: readonly string[]): Evaluator {
    const quasis = node.quasis.map((quasi) => quasi.value.cooked ?? '');
    const parts = node.expressions.map((expression) => this.compile(expression, locals));
    return (env) => {
      let text = quasis[0];
      for (let i = 0; i < parts.length; i++) text += String(parts[i](env)) + quasis[i + 1];
      return charge(env, text);
    };
  }

  private array(node: ArrayExpression, locals: readonly string[]): Evaluator {
    const items = node.elements.map((element): Evaluator => {
      if (element === null) return () => undefined;
      if (element.type === 'SpreadElement') throw refused(element);
      return this.compile(element, locals);
    });
    return (env) =>
      charge(
        env,
        items.map((item) => item(env)),
      );
  }

  private object(node: ObjectExpression, locals: readonly string[]): Evaluator {
    const entries = node.properties.map((property) => {
      if (property.type === 'SpreadElement') throw refused(property);
      if (property.kind !== 'init' || property.method) {
        throw new ScriptSyntaxError('getters, setters and methods are not allowed in object literals', property.start);
      }
      return { key: this.objectKey(property, locals), value: this.compile(property.value, locals) };
    });
    return (env) => {
      const result: Record<string, unknown> = {};
      for (const { key, value } of entries) {
        const name = typeof key === 'string' ? key : toPropertyKey(key(env));
        if (isForbiddenName(name)) throw new ScriptRuntimeError(`object key '${name}' is not allowed`);
        result[name] = value(env);
      }
      return result;
    };
  }

  private objectKey(property: Property, locals: readonly string[]): string | Evaluator {
    if (property.computed) return this.compile(property.key, locals);
    const name = property.key.type === 'Identifier' ? property.key.name : String((property.key as Literal).value);
    if (isForbiddenName(name)) throw new ScriptSyntaxError(`object key '${name}' is not allowed`, property.key.start);
    return name;
  }

  private unary(node: UnaryExpression, locals: readonly string[]): Evaluator {
    const operator = UNARY_OPERATORS.get(node.operator);
    if (!operator) throw new ScriptSyntaxError(`operator '${node.operator}' is not allowed`, node.start);
    const argument = this.compile(node.argument, locals);
    return (env) => operator(argument(env));
  }

  private binary(node: BinaryExpression, locals: readonly string[]): Evaluator {
    const operator = BINARY_OPERATORS.get(node.operator);
    if (!operator) throw new ScriptSyntaxError(`operator '${node.operator}' is not allowed`, node.start);
    if (node.left.type === 'PrivateIdentifier') throw refused(node.left);
    const left = this.compile(node.left, locals);
    const right = this.compile(node.right, locals);
    return (env) => charge(env, operator(left(env), right(env)));
  }

  private logical(node: LogicalExpression, locals: readonly string[]): Evaluator {
    const left = this.compile(node.left, locals);
    const right = this.compile(node.right, locals);
    switch (node.operator) {
      case '&&':
        return (env) => left(env) && right(env);
      case '||':
        return (env) => left(env) || right(env);
      case '??':
        return (env) => left(env) ?? right(env);
    }
  }

  /** `Math`, `JSON`... when the identifier names a built-in namespace rather than an arrow parameter. */
  private namespaceOf(node: Expression | Super, locals: readonly string[]): [string, BuiltinNamespace] | null {
    if (node.type !== 'Identifier' || locals.includes(node.name)) return null;
    const namespace = NAMESPACES.get(node.name);
    return namespace ? [node.name, namespace] : null;
  }

  /** A property name known at compile time (`a.b`, `a['b']`, `a[0]`), else null. */
  private staticName(node: MemberExpression): string | null {
    const property = node.property;
    if (property.type === 'PrivateIdentifier') throw refused(property);
    let name: string | null = null;
    if (!node.computed && property.type === 'Identifier') name = property.name;
    if (property.type === 'Literal' && (typeof property.value === 'string' || typeof property.value === 'number')) {
      name = String(property.value);
    }
    if (name !== null && isForbiddenName(name)) throw forbiddenAccess(name, property.start);
    return name;
  }

  private memberKey(node: MemberExpression, locals: readonly string[]): string | Evaluator {
    return this.staticName(node) ?? this.compile(node.property as Expression, locals);
  }

  private member(node: MemberExpression, locals: readonly string[]): Evaluator {
    const namespace = this.namespaceOf(node.object, locals);
    if (namespace) return this.namespaceConstant(node, namespace);
    if (node.object.type === 'Super') throw refused(node.object);
    const object = this.compile(node.object, locals);
    const key = this.memberKey(node, locals);
    const optional = node.optional;
    return (env) => {
      const target = object(env);
      if (target === CHAIN_ABORT) return CHAIN_ABORT;
      if (optional && (target === null || target === undefined)) return CHAIN_ABORT;
      return readProperty(target, typeof key === 'string' ? key : toPropertyKey(key(env)));
    };
  }

  private namespaceConstant(node: MemberExpression, [name, namespace]: [string, BuiltinNamespace]): Evaluator {
    const member = this.staticName(node);
    if (member === null) throw new ScriptSyntaxError(`computed access to '${name}' is not allowed`, node.start);
    if (!namespace.constants.has(member)) {
      const hint = namespace.functions.has(member) ? 'can only be called' : 'is not an allowed constant';
      throw new ScriptSyntaxError(`'${name}.${member}' ${hint}`, node.start);
    }
    const value = namespace.constants.get(member);
    return () => value;
  }

  private call(node: CallExpression, locals: readonly string[]): Evaluator {
    const args = node.arguments.map((argument) => this.argument(argument, locals));
    const callee = node.callee;
    if (callee.type === 'Identifier' && !locals.includes(callee.name)) {
      const fn = GLOBAL_FUNCTIONS.get(callee.name);
      if (!fn) throw new ScriptSyntaxError(`'${callee.name}' is not an allowed function`, callee.start);
      return (env) => {
        spendStep(env);
        return charge(env, fn(requireData(evaluateAll(args, env), callee.name)));
      };
    }
    if (callee.type !== 'MemberExpression') {
      throw new ScriptSyntaxError('only allowed functions and methods can be called', callee.start);
    }
    const namespace = this.namespaceOf(callee.object, locals);
    return namespace ? this.namespaceCall(callee, namespace, args) : this.methodCall(node, callee, args, locals);
  }

  private argument(node: Expression | SpreadElement, locals: readonly string[]): Evaluator {
    return node.type === 'ArrowFunctionExpression' ? this.arrow(node, locals) : this.compile(node, locals);
  }

  private namespaceCall(
    callee: MemberExpression,
    [name, namespace]: [string, BuiltinNamespace],
    args: Evaluator[],
  ): Evaluator {
    const member = this.staticName(callee);
    if (member === null) throw new ScriptSyntaxError(`computed access to '${name}' is not allowed`, callee.start);
    const label = `${name}.${member}`;
    const fn = namespace.functions.get(member);
    if (!fn) throw new ScriptSyntaxError(`'${label}' is not an allowed function`, callee.start);
    return (env) => {
      spendStep(env);
      return charge(env, fn(requireData(evaluateAll(args, env), label)));
    };
  }

  private methodCall(
    node: CallExpression,
    callee: MemberExpression,
    args: Evaluator[],
    locals: readonly string[],
  ): Evaluator {
    if (callee.object.type === 'Super') throw refused(callee.object);
    const receiver = this.compile(callee.object, locals);
    const name = this.memberKey(callee, locals);
    if (typeof name === 'string' && !ALLOWED_METHOD_NAMES.has(name)) {
      throw new ScriptSyntaxError(`'${name}()' is not an allowed method`, callee.property.start);
    }
    const optionalReceiver = callee.optional;
    const optionalCall = node.optional;
    return (env) => {
      const target = receiver(env);
      if (target === CHAIN_ABORT) return CHAIN_ABORT;
      if (optionalReceiver && (target === null || target === undefined)) return CHAIN_ABORT;
      const method = typeof name === 'string' ? name : toPropertyKey(name(env));
      if (optionalCall && !hasMethod(target, method)) return CHAIN_ABORT;
      return callMethod(target, method, evaluateAll(args, env), env);
    };
  }

  private arrow(node: ArrowFunctionExpression, locals: readonly string[]): Evaluator {
    if (node.async || node.generator) throw refused(node);
    if (!node.expression)
      throw new ScriptSyntaxError('an arrow function body must be a single expression', node.body.start);
    const params = node.params.map((param) => {
      if (param.type !== 'Identifier')
        throw new ScriptSyntaxError('arrow function parameters must be plain names', param.start);
      return param.name;
    });
    const body = this.compile(node.body as Expression, [...locals, ...params]);
    return (env) =>
      new ScriptLambda((args) => {
        const frame = env.locals.slice();
        for (let i = 0; i < params.length; i++) frame.push(args[i]);
        return body({ scope: env.scope, budget: env.budget, locals: frame });
      });
  }
}

function evaluateAll(evaluators: readonly Evaluator[], env: EvalEnv): unknown[] {
  return evaluators.map((evaluate) => evaluate(env));
}
