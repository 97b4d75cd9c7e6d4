import type { Access } from "../authz/access.js";
import type { SortKey } from "../db/sort-key.js";

/**
 * How a GraphQL object type's fields read in SQL, declared by the module that owns the type (its
 * `<feature>.projection.ts`), for reads answered by one statement (src/graphql/sql-read/). `t` is the alias
 * of the row the object is made of; each expression must yield exactly what the field's resolver and
 * serializer would (an enum's internal value is mapped to its name by the planner).
 */
export type FieldSql =
  /**
   * A leaf (or a JSON column) read from the row. `plain`: its text never needs JSON escaping (base64url,
   * ISO timestamps), so it is quoted as it is instead of through to_json; `json`: a json or jsonb column,
   * whose own text is JSON.
   */
  | { kind: "value"; sql: (t: string) => string; plain?: true; json?: true }
  /** An object made of the same row (such as an operator's quota). */
  | { kind: "object"; fields: Readonly<Record<string, FieldSql>> }
  /**
   * An object read from other rows: `from` is a FROM clause (and WHERE) naming its rows with aliases made
   * by `a` (unique per use), `present` the condition for the object to exist (else null). `up(type)` is the
   * alias of the nearest enclosing row of that GraphQL type in the same statement, or null.
   */
  | {
      kind: "related";
      from: (t: string, a: (name: string) => string, up: (type: string) => string | null) => string;
      present: (a: (name: string) => string) => string;
      fields: (a: (name: string) => string) => Readonly<Record<string, FieldSql>>;
    }
  /** A connection of child rows. */
  | { kind: "connection"; connection: ConnectionSql };

/** A paged list of rows of a table, as a Relay connection, sorted by keys whose values form the cursor. */
export type ConnectionSql = {
  /** The table, as it is named in FROM. */
  table: string;
  /** The GraphQL type of its nodes. */
  nodeType: string;
  /** Sort keys over the table's bare column names (the last one unique): cursors are their values, in order. */
  keys: readonly SortKey[];
  /** For a child list: the condition tying a child row (alias c) to its parent row (alias p). */
  parent?: (c: string, p: string) => string;
  /** The condition keeping the rows the caller may read (its parameters appended), or null: all. */
  scope?: (access: Access, alias: string, params: unknown[]) => string | null;
};

/** One type's fields; several modules may contribute fields to the same type. */
export type SqlProjection = { type: string; fields: Readonly<Record<string, FieldSql>> };

/** A root field answered as a connection (its arguments other than first and after mean the usual path). */
export type SqlRoot = { field: string; connection: ConnectionSql };

export const column = (name: string): FieldSql => ({ kind: "value", sql: (t) => `${t}.${name}` });

export const value = (sql: (t: string) => string): FieldSql => ({ kind: "value", sql });

/** A json or jsonb column, written as its own text (to_json would look its type up on every call). */
export const jsonColumn = (name: string): FieldSql => ({
  kind: "value",
  sql: (t) => `${t}.${name}`,
  json: true,
});

export const connection = (c: ConnectionSql): FieldSql => ({ kind: "connection", connection: c });

/**
 * base64url without padding, as Buffer#toString("base64url"). `ascii`: the text is ASCII without
 * backslashes (cast to bytes as it is, not converted); `short`: at most 57 bytes, which encode() does not
 * wrap (it breaks lines every 76 characters). replace() is several times cheaper than translate() here.
 */
export const base64url = (text: string, opts: { ascii?: boolean; short?: boolean } = {}) => {
  const b64 = `encode(${opts.ascii ? `(${text})::bytea` : `convert_to(${text}, 'UTF8')`}, 'base64')`;
  const unwrapped = opts.short ? b64 : `replace(${b64}, E'\\n', '')`;
  return `rtrim(replace(replace(${unwrapped}, '+', '-'), '/', '_'), '=')`;
};

/** A Relay global id of a uuid, as toGlobalId writes it (src/common/global-id.ts). */
export const globalId = (type: string, id: (t: string) => string): FieldSql => ({
  kind: "value",
  sql: (t) => base64url(`'${type}:' || ${id(t)}`, { ascii: true, short: type.length + 37 <= 57 }),
  plain: true,
});

/** An ISO-8601 UTC timestamp with milliseconds, as the rows' isoTime (src/db/sql.ts) writes it. */
export const isoTimestamp = (name: string): FieldSql => ({
  kind: "value",
  sql: (t) => `to_char(${t}.${name} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`,
  plain: true,
});
