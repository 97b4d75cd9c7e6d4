/**
 * A timestamptz column as ISO-8601 UTC text with milliseconds, exactly as Date.toISOString() writes it:
 * the API serves it as it comes, without parsing it into a Date and formatting it back per row.
 */
export const isoTime = (column: string) =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
