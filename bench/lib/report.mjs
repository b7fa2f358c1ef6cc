// Formatting for the bench reports: markdown tables and number cells.
//
//   markdownTable(header: string[], rows: (string|number)[][]) -> string   (columns after the first right-aligned)
//   cell(value, digits = 0) -> string       '—' for missing / non-finite values, thousands separated
//   ratio(value, base) -> string            '0.42×' (hookflow ÷ baseline); '—' when either is missing
//   pct(value, base) -> string              '42 %'
//   mark(ok) -> string                      'yes' / 'NO' / '—' (ok undefined)

export function cell(value, digits = 0) {
  if (typeof value === 'string') return value;
  if (value === undefined || value === null || !Number.isFinite(value)) return '—';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function ratio(value, base) {
  if (!Number.isFinite(value) || !Number.isFinite(base) || base === 0) return '—';
  const r = value / base;
  return `${r.toFixed(r >= 10 ? 0 : 2)}×`;
}

export function pct(value, base) {
  if (!Number.isFinite(value) || !Number.isFinite(base) || base === 0) return '—';
  return `${Math.round((100 * value) / base)} %`;
}

export function mark(ok) {
  if (ok === undefined) return '—';
  return ok ? 'yes' : 'NO';
}

export function markdownTable(header, rows) {
  const lines = [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`];
  for (const row of rows) lines.push(`| ${row.map((value) => cell(value)).join(' | ')} |`);
  return lines.join('\n');
}
