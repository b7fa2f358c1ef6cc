/**
 * A strict parser of the Prometheus text exposition format 0.0.4, for tests: it throws on anything a
 * Prometheus server would reject or that breaks the format's rules (names, label syntax and escapes, values,
 * TYPE before samples, one family per name, histogram bucket order and +Inf = _count).
 */

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  name: string;
  type: MetricType;
  help: string;
  samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set<MetricType>(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)(?:\s+(-?\d+))?$/;
const LABEL_PAIR = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\["\\n])*)"(,|$)/;

export function parsePrometheusText(text: string): Map<string, MetricFamily> {
  if (text.length > 0 && !text.endsWith('\n')) throw new Error('exposition must end with a newline');
  const families = new Map<string, MetricFamily>();
  const lines = text.split('\n').slice(0, -1);
  lines.forEach((line, index) => {
    try {
      parseLine(line, families);
    } catch (error) {
      throw new Error(`line ${index + 1} (${JSON.stringify(line)}): ${(error as Error).message}`);
    }
  });
  for (const family of families.values()) if (family.type === 'histogram') checkHistogram(family);
  return families;
}

function parseLine(line: string, families: Map<string, MetricFamily>): void {
  if (line.trim() === '') return;
  if (line.startsWith('#')) return parseComment(line, families);
  const match = SAMPLE.exec(line);
  if (!match) throw new Error('not a sample line');
  const [, name, labelText, valueText] = match as unknown as [string, string, string | undefined, string];
  const family = familyOf(name, families);
  if (!family) throw new Error(`sample ${name} has no preceding # TYPE`);
  family.samples.push({ name, labels: parseLabels(labelText), value: parseValue(valueText) });
}

function parseComment(line: string, families: Map<string, MetricFamily>): void {
  const [, keyword, name, ...rest] = line.split(' ');
  if (keyword !== 'HELP' && keyword !== 'TYPE') return;
  if (!name || !METRIC_NAME.test(name)) throw new Error(`bad metric name ${name}`);
  const family = families.get(name) ?? { name, type: 'untyped' as MetricType, help: '', samples: [] };
  if (keyword === 'HELP') family.help = rest.join(' ');
  else {
    const type = rest.join(' ') as MetricType;
    if (!TYPES.has(type)) throw new Error(`bad type ${type}`);
    if (family.samples.length > 0) throw new Error('TYPE after samples');
    family.type = type;
  }
  families.set(name, family);
}

function familyOf(sampleName: string, families: Map<string, MetricFamily>): MetricFamily | undefined {
  const exact = families.get(sampleName);
  if (exact) return exact;
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!sampleName.endsWith(suffix)) continue;
    const family = families.get(sampleName.slice(0, -suffix.length));
    if (family && (family.type === 'histogram' || (family.type === 'summary' && suffix !== '_bucket'))) return family;
  }
  return undefined;
}

function parseLabels(text: string | undefined): Record<string, string> {
  const labels: Record<string, string> = {};
  if (text === undefined) return labels;
  let rest = text.slice(1, -1);
  while (rest.length > 0) {
    const match = LABEL_PAIR.exec(rest);
    if (!match) throw new Error(`bad label syntax at ${JSON.stringify(rest)}`);
    const [whole, name, raw, separator] = match as unknown as [string, string, string, string];
    if (!LABEL_NAME.test(name) || name.startsWith('__')) throw new Error(`bad label name ${name}`);
    if (name in labels) throw new Error(`duplicate label ${name}`);
    labels[name] = raw.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
    rest = rest.slice(whole.length);
    if (separator === '' && rest.length > 0) throw new Error('text after the last label');
  }
  return labels;
}

/** As Prometheus reads values (Go's ParseFloat): special values are case-insensitive (prom-client writes `Nan`). */
function parseValue(text: string): number {
  const special = /^([-+]?)(inf|infinity|nan)$/i.exec(text);
  if (special) return special[2].toLowerCase() === 'nan' ? NaN : special[1] === '-' ? -Infinity : Infinity;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`bad value ${text}`);
  return Number(text);
}

function checkHistogram(family: MetricFamily): void {
  const series = new Map<string, { buckets: Array<[number, number]>; count?: number }>();
  for (const sample of family.samples) {
    const { le, ...rest } = sample.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    const entry = series.get(key) ?? { buckets: [] };
    series.set(key, entry);
    if (sample.name.endsWith('_bucket')) {
      if (le === undefined) throw new Error(`${family.name}: bucket without le`);
      entry.buckets.push([parseValue(le), sample.value]);
    } else if (sample.name.endsWith('_count')) entry.count = sample.value;
  }
  for (const [key, { buckets, count }] of series) {
    const last = buckets.at(-1);
    if (!last || last[0] !== Infinity) throw new Error(`${family.name} ${key}: no +Inf bucket`);
    if (last[1] !== count) throw new Error(`${family.name} ${key}: +Inf bucket differs from _count`);
    for (let i = 1; i < buckets.length; i++) {
      const [le, value] = buckets[i];
      const [previousLe, previousValue] = buckets[i - 1];
      if (le <= previousLe || value < previousValue) throw new Error(`${family.name} ${key}: buckets out of order`);
    }
  }
}

/** The value of the sample with exactly `name` whose labels include `labels`; 0 when absent. */
export function sampleValue(
  families: Map<string, MetricFamily>,
  name: string,
  labels: Record<string, string> = {},
): number {
  for (const family of families.values()) {
    for (const sample of family.samples) {
      if (sample.name !== name) continue;
      if (Object.entries(labels).every(([key, value]) => sample.labels[key] === value)) return sample.value;
    }
  }
  return 0;
}
