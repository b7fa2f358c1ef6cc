// JSON.stringify writes an unpaired UTF-16 surrogate as a `\udXXX` escape, which jsonb refuses. An escaped
// backslash before `ud…` matches too: it only costs the slow path.
const ESCAPED_SURROGATE = /\\ud[89a-f]/;
const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * The rows of a batched statement as its one parameter, read with `jsonb_to_recordset($1::jsonb) AS v(col type, …)`
 * (ROWS FROM (…) WITH ORDINALITY where the statement relies on the rows' order). One array parameter per column
 * cost far more: pg encodes arrays in JS, running a regex replace over every element, where JSON.stringify is
 * native. jsonb rather than json: measured, PostgreSQL spends less on it per batch (json_to_recordset builds a hash
 * table per row). A column declared jsonb takes a nested value as is, JSON null (or an absent field) as SQL NULL.
 *
 * Text columns get what array parameters gave them: pg sent strings as UTF-8, which turned an unpaired surrogate
 * into U+FFFD (an error cut by `slice`, a transformer's output), so the row fields are made so here. A surrogate
 * nested in a jsonb value is refused as before: such values are checked where they come in (see storable-json).
 */
export function jsonRows(rows: readonly object[]): string {
  const json = JSON.stringify(rows);
  return ESCAPED_SURROGATE.test(json) ? JSON.stringify(rows.map(withWellFormedText)) : json;
}

function withWellFormedText(row: object): object {
  return Object.fromEntries(
    Object.entries(row).map(([key, value]) => [
      key,
      typeof value === 'string' ? value.replace(UNPAIRED_SURROGATE, '\uFFFD') : value,
    ]),
  );
}
