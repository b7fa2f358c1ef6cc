import { originalColumn } from '../user-source-map.js';

/** What the run kit reports about a value the user code threw. */
export interface GuestErrorInfo {
  isError: boolean;
  name: string;
  message: string;
  stack: string;
}

export interface UserLocation {
  line: number;
  column?: number;
}

/**
 * Finds the innermost frame of the user's file in a QuickJS stack ("    at f (transformer.js:3:11)" or, for a
 * syntax error, "    at transformer.js:3:11") and maps it back to the user's source. Frames of lodash or the
 * sandbox's own code carry other file names and are skipped.
 *
 * `firstLineOffset`: characters on line 1 of `compiledJs` (and of its map) before the user's code.
 * `wrapperOffset`: characters the sandbox put on line 1 before `compiledJs` when it evaluated it.
 */
export function locateUserFrame(
  stack: string,
  filename: string,
  compiledJs: string,
  firstLineOffset = 0,
  wrapperOffset = 0,
): UserLocation | undefined {
  const needle = `${filename}:`;
  for (const frame of stack.split('\n')) {
    const at = frame.indexOf(needle);
    if (at === -1) continue;
    const match = /^(\d+):(\d+)/.exec(frame.slice(at + needle.length));
    if (match === null) continue;
    const line = Number(match[1]);
    const generated = Number(match[2]) - (line === 1 ? wrapperOffset : 0);
    let column = originalColumn(compiledJs, line, generated);
    if (line === 1) column -= firstLineOffset;
    return column >= 1 ? { line, column } : { line };
  }
  return undefined;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
