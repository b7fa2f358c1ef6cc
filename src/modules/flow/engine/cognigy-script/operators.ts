type BinaryOperator = (left: unknown, right: unknown) => unknown;
type UnaryOperator = (value: unknown) => unknown;

// Operands are arbitrary values and JavaScript's own coercion is the intended semantics; the casts
// only satisfy the type checker. Operands are data, so coercion never runs user-defined code.
type Operand = number;

export const BINARY_OPERATORS: ReadonlyMap<string, BinaryOperator> = new Map<string, BinaryOperator>([
  ['+', (a, b) => (a as Operand) + (b as Operand)],
  ['-', (a, b) => (a as Operand) - (b as Operand)],
  ['*', (a, b) => (a as Operand) * (b as Operand)],
  ['/', (a, b) => (a as Operand) / (b as Operand)],
  ['%', (a, b) => (a as Operand) % (b as Operand)],
  ['**', (a, b) => (a as Operand) ** (b as Operand)],
  // eslint-disable-next-line eqeqeq -- loose equality is part of the language users write
  ['==', (a, b) => a == b],
  // eslint-disable-next-line eqeqeq -- loose equality is part of the language users write
  ['!=', (a, b) => a != b],
  ['===', (a, b) => a === b],
  ['!==', (a, b) => a !== b],
  ['<', (a, b) => (a as Operand) < (b as Operand)],
  ['<=', (a, b) => (a as Operand) <= (b as Operand)],
  ['>', (a, b) => (a as Operand) > (b as Operand)],
  ['>=', (a, b) => (a as Operand) >= (b as Operand)],
  ['&', (a, b) => (a as Operand) & (b as Operand)],
  ['|', (a, b) => (a as Operand) | (b as Operand)],
  ['^', (a, b) => (a as Operand) ^ (b as Operand)],
  ['<<', (a, b) => (a as Operand) << (b as Operand)],
  ['>>', (a, b) => (a as Operand) >> (b as Operand)],
  ['>>>', (a, b) => (a as Operand) >>> (b as Operand)],
]);

export const UNARY_OPERATORS: ReadonlyMap<string, UnaryOperator> = new Map<string, UnaryOperator>([
  ['-', (v) => -(v as Operand)],
  ['+', (v) => +(v as Operand)],
  ['!', (v) => !v],
  ['~', (v) => ~(v as Operand)],
  ['typeof', (v) => typeof v],
  ['void', () => undefined],
]);
