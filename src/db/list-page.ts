import { type Connection, type PageArgs, pageRequest, toConnection } from "../api/connection.js";
import type { Db } from "./db.js";
import { keysetSql, limitParam } from "./keyset.js";
import { type SqlTemplate, sqlTemplate } from "./named-sql.js";
import type { SortKey } from "./sort-key.js";

/** WHERE conditions with their parameters, numbered as they are added. */
export class SqlFilter {
  readonly where: string[] = [];
  readonly params: unknown[] = [];

  /** Adds a condition; `cond` receives the placeholder ($n) of value. */
  add(cond: (placeholder: string) => string, value: unknown): this {
    this.params.push(value);
    this.where.push(cond(`$${this.params.length}`));
    return this;
  }
}

/** `WHERE` and the conditions, or nothing. */
export const whereClause = (conds: string[]) => (conds.length ? `WHERE ${conds.join(" AND ")}` : "");

/** A root list's statements: a page (its conditions, order and limit filled per request) and its count. */
export type ListSql = { page: SqlTemplate<"where" | "orderBy" | "limit">; count: SqlTemplate<"where"> };

/** Names a root list's statements (`<name>.page`, `<name>.count`) over `from` (its table seen as t). */
export function listSql(name: string, from: string, columns: string): ListSql {
  return {
    page: sqlTemplate(
      `${name}.page`,
      `SELECT ${columns} FROM ${from} {{where}}
     ORDER BY {{orderBy}} LIMIT {{limit}}`,
    ),
    count: sqlTemplate(`${name}.count`, `SELECT count(*)::int AS n FROM ${from} {{where}}`),
  };
}

/**
 * One keyset page of a root list: the rows, their cursors, and a totalCount that runs only when asked.
 * `order` lists the sort keys, the last one unique (usually the id).
 */
export async function listPage<T>(
  db: Db,
  opts: {
    sql: ListSql;
    filter: SqlFilter;
    order: SortKey[];
    direction: "ASC" | "DESC";
    args: PageArgs;
    map: (row: Record<string, unknown>) => T;
    cursorOf: (item: T) => unknown[];
  },
): Promise<Connection<T>> {
  const page = pageRequest(opts.args);
  const { where, params } = opts.filter;
  const pageParams = [...params];
  const ks = keysetSql(page, opts.order, opts.direction, pageParams);
  const rows = await db.query(
    opts.sql.page.fill({
      where: whereClause(ks.where ? [...where, ks.where] : where),
      orderBy: ks.orderBy,
      limit: limitParam(pageParams, ks.limit),
    }),
    pageParams,
  );
  return toConnection(rows.map(opts.map), page, opts.cursorOf, async () => {
    const [r] = await db.query<{ n: number }>(opts.sql.count.fill({ where: whereClause(where) }), params);
    return r?.n ?? 0;
  });
}
