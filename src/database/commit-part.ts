import { jsonRows } from './json-rows.js';

/**
 * One table's share of the message commit (MessageCommitter), which is ONE statement: the sessions' CTEs first
 * (`saved`: the keys of the sessions whose lease is still ours, columns endpoint_id, user_id, session_id), then one
 * data-modifying CTE per part. A part writes its rows only for the sessions in `saved` (it joins it on its key
 * columns), so a session that lost its lease writes nothing anywhere. One statement instead of a transaction of
 * seven: under moderate load each round trip to PostgreSQL, not the work in it, is what the commit costs.
 */
export interface CommitPart {
  /** The CTE's name, unique within the statement. */
  readonly name: string;
  /** The CTE's body, reading its rows from `param` (a jsonb parameter such as `$3`). */
  readonly sql: (param: string) => string;
  /** Its rows, as `jsonRows` encodes them (each with the key columns its `sql` joins `saved` on). */
  readonly rows: string;
}

export function commitPart(name: string, sql: (param: string) => string, rows: readonly object[]): CommitPart {
  return { name, sql, rows: jsonRows(rows) };
}
