import { compileTransformer } from '../transformer/transformer-compiler.js';
import { TransformerCodeInvalidError } from './endpoint-config.errors.js';

/** The module the pipeline runs for `code`, or null when there is none. Throws when the code does not compile. */
export function compileTransformerCode(code: string): string | null {
  if (code.trim() === '') return null;
  const compiled = compileTransformer(code);
  if (!compiled.ok) throw new TransformerCodeInvalidError(compiled.message, compiled.line, compiled.column);
  return compiled.js;
}

/**
 * For rows read back: the stored module, or — for a row saved before modules were stored — the code compiled
 * now (null if it no longer compiles, so the endpoint runs as if it had no transformer).
 */
export function storedTransformerJs(code: string, stored: string | null | undefined): string | null {
  if (stored !== null && stored !== undefined) return stored;
  if (code.trim() === '') return null;
  const compiled = compileTransformer(code);
  return compiled.ok ? compiled.js : null;
}
