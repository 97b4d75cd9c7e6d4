import { UUID } from "../common/global-id.js";
import { isStorableText } from "../common/text.js";

// A cursor comes back from the client: each value is checked against its column's kind before it becomes
// a query parameter, so a forged one is the caller's mistake (BAD_USER_INPUT), never a PostgreSQL error.

/** One column a list is sorted by, with the check its cursor value must pass. */
export type SortKey = { column: string; accepts: (value: unknown) => boolean };

const MAX_TEXT = 1024;
// PostgreSQL's own text of a timestamp (created_at::text) or the ISO form the API writes, to microseconds.
const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.\d{1,6})?(?:Z|[+-]\d{2}(?::?\d{2})?)$/;

const isText = (v: unknown) => typeof v === "string" && v.length <= MAX_TEXT && isStorableText(v);
const isUuid = (v: unknown) => typeof v === "string" && UUID.test(v);
// bigint columns come back from pg as strings; 18 digits always fit.
const isInteger = (v: unknown) =>
  (typeof v === "number" && Number.isSafeInteger(v)) || (typeof v === "string" && /^-?\d{1,18}$/.test(v));

function isTimestamp(v: unknown): boolean {
  const m = typeof v === "string" ? TIMESTAMP.exec(v) : null;
  if (!m) return false;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  // Date.UTC rolls 30 February over into March; PostgreSQL refuses it, so do we.
  return (
    date.getUTCFullYear() === y &&
    date.getUTCMonth() === mo - 1 &&
    date.getUTCDate() === d &&
    h < 24 &&
    mi < 60 &&
    s < 60
  );
}

export const textKey = (column: string): SortKey => ({ column, accepts: isText });
export const uuidKey = (column: string): SortKey => ({ column, accepts: isUuid });
export const integerKey = (column: string): SortKey => ({ column, accepts: isInteger });
export const timestampKey = (column: string): SortKey => ({ column, accepts: isTimestamp });
