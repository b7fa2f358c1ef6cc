/**
 * Column mapping between the user's TypeScript and the JavaScript the sandbox runs. Sucrase keeps every line
 * where it was, so only columns move (type annotations removed); the compiled code carries the map inline so
 * an error can still point at the column the user wrote.
 */

const MAP_PREFIX = '\n//# sourceMappingURL=data:application/json;base64,';
const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const BASE64_VALUES = new Map([...BASE64].map((char, index) => [char, index]));

export function appendInlineSourceMap(js: string, mappings: string): string {
  const map = JSON.stringify({ version: 3, sources: ['transformer.ts'], names: [], mappings });
  return js + MAP_PREFIX + Buffer.from(map).toString('base64');
}

export function stripInlineSourceMap(js: string): string {
  const at = js.lastIndexOf(MAP_PREFIX);
  return at === -1 ? js : js.slice(0, at);
}

/** Maps a 1-based generated position to the 1-based original column; unchanged when the code has no map. */
export function originalColumn(js: string, line: number, column: number): number {
  const mappings = readMappings(js);
  if (mappings === undefined) return column;
  const segments = decodeLine(mappings, line - 1);
  let best: [number, number] | undefined;
  for (const segment of segments) {
    if (segment[0] <= column - 1) best = segment;
    else break;
  }
  return best === undefined ? column : best[1] + (column - 1 - best[0]) + 1;
}

function readMappings(js: string): string | undefined {
  const at = js.lastIndexOf(MAP_PREFIX);
  if (at === -1) return undefined;
  try {
    const map = JSON.parse(Buffer.from(js.slice(at + MAP_PREFIX.length), 'base64').toString('utf8')) as {
      mappings?: unknown;
    };
    return typeof map.mappings === 'string' ? map.mappings : undefined;
  } catch {
    return undefined;
  }
}

/** [generatedColumn, sourceColumn] pairs (0-based) of one generated line, in order. */
function decodeLine(mappings: string, wantedLine: number): Array<[number, number]> {
  const lines = mappings.split(';');
  let sourceColumn = 0;
  for (let lineIndex = 0; lineIndex < lines.length && lineIndex <= wantedLine; lineIndex++) {
    const result: Array<[number, number]> = [];
    let generatedColumn = 0;
    for (const segment of lines[lineIndex].split(',')) {
      if (segment === '') continue;
      const fields = decodeVlq(segment);
      generatedColumn += fields[0] ?? 0;
      // Source column deltas run across lines, so every segment must be decoded even before the wanted line.
      if (fields.length >= 4) sourceColumn += fields[3];
      result.push([generatedColumn, sourceColumn]);
    }
    if (lineIndex === wantedLine) return result;
  }
  return [];
}

function decodeVlq(segment: string): number[] {
  const values: number[] = [];
  let value = 0;
  let shift = 0;
  for (const char of segment) {
    const digit = BASE64_VALUES.get(char);
    if (digit === undefined) return values;
    value += (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
      continue;
    }
    values.push(value & 1 ? -(value >>> 1) : value >>> 1);
    value = 0;
    shift = 0;
  }
  return values;
}
