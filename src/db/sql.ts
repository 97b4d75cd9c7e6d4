/**
 * A timestamptz column as ISO-8601 UTC text with milliseconds, exactly as Date.toISOString() writes it:
 * the API serves it as it comes, without parsing it into a Date and formatting it back per row.
 */
export const isoTime = (column: string) =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** A selected column: the field it fills and the SQL expression that reads it. */
export type FieldColumn = readonly [field: string, sql: string];

/** Columns as a select list of rows: each expression named by its field (a bare `t.<field>` as it is). */
export const selectList = (columns: readonly FieldColumn[]) =>
  columns.map(([field, sql]) => (sql === `t.${field}` ? sql : `${sql} AS "${field}"`)).join(", ");

/**
 * A timestamptz column inside a JSON page (json_agg): the UTC time as JSON writes a timestamp, without zone
 * and with up to six fraction digits (2024-05-01T10:00:00.1234), which isoTimeOf turns into isoTime's text.
 * PostgreSQL writes it for a fraction of to_char's cost, which on a page of services was a fifth of the read.
 */
export const jsonTime = (column: string) => `(${column} AT TIME ZONE 'UTC')`;

/** A jsonTime value as isoTime writes it (milliseconds truncated, as to_char's MS does); null stays null. */
export function isoTimeOf(json: string | null): string | null {
  if (json === null) return null;
  const seconds = json.indexOf("T") + 9;
  const fraction = json.length > seconds ? json.slice(seconds + 1, seconds + 4).padEnd(3, "0") : "000";
  return `${json.slice(0, seconds)}.${fraction}Z`;
}
