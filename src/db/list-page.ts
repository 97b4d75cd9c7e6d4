import { type Connection, type PageArgs, pageRequest, toConnection } from "../api/connection.js";
import type { Db } from "./db.js";
import { keysetSql } from "./keyset.js";
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

const whereClause = (conds: string[]) => (conds.length ? `WHERE ${conds.join(" AND ")}` : "");

/**
 * One keyset page of a root list: the rows, their cursors, and a totalCount that runs only when asked.
 * `order` lists the sort keys, the last one unique (usually the id).
 */
export async function listPage<T>(
  db: Db,
  opts: {
    from: string;
    columns: string;
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
    `SELECT ${opts.columns} FROM ${opts.from} ${whereClause(ks.where ? [...where, ks.where] : where)}
     ORDER BY ${ks.orderBy} LIMIT ${ks.limit}`,
    pageParams,
  );
  return toConnection(rows.map(opts.map), page, opts.cursorOf, async () => {
    const [r] = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${opts.from} ${whereClause(where)}`,
      params,
    );
    return r?.n ?? 0;
  });
}
