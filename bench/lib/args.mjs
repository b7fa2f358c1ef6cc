// Command-line flags for the bench scripts: `--key=value`, or `--flag` alone for true.
//
//   parseArgs(argv = process.argv.slice(2)) -> { [key]: string }   ('--no-x' sets x to 'false')
//   num(args, key, fallback) -> number        (throws on a value that is not a finite number)
//   bool(args, key, fallback = false) -> boolean
//   str(args, key, fallback) -> string

export function parseArgs(argv = process.argv.slice(2)) {
  const args = {};
  for (const arg of argv) {
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${arg} (flags look like --key=value)`);
    const [key, ...rest] = arg.slice(2).split('=');
    if (rest.length === 0 && key.startsWith('no-')) args[key.slice(3)] = 'false';
    else args[key] = rest.length === 0 ? 'true' : rest.join('=');
  }
  return args;
}

export function num(args, key, fallback) {
  if (args[key] === undefined) return fallback;
  const value = Number(args[key]);
  if (!Number.isFinite(value)) throw new Error(`--${key} must be a number, got ${args[key]}`);
  return value;
}

export function bool(args, key, fallback = false) {
  if (args[key] === undefined) return fallback;
  return args[key] !== 'false' && args[key] !== '0';
}

export function str(args, key, fallback) {
  return args[key] ?? fallback;
}
