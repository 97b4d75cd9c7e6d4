import DataLoader from "dataloader";
import type { PageRequest } from "../api/connection.js";
import type { Db } from "./db.js";
import { keysetSql } from "./keyset.js";
import type { SortKey } from "./sort-key.js";

type Row = Record<string, unknown>;

/**
 * An extra condition on the rows a loader may return (the caller's authorization scope, src/authz/);
 * it appends its parameters to params and answers null when there is nothing to filter.
 */
export type RowScope = (params: unknown[]) => string | null;

const and = (cond: string | null | undefined) => (cond ? ` AND ${cond}` : "");

/** Loads rows by primary key in one statement per tick; missing (or out of scope) ids resolve to null. */
export function byIdLoader<T>(db: Db, selectSql: string, map: (row: Row) => T, scope?: RowScope) {
  return new DataLoader<string, T | null>(async (ids) => {
    const params: unknown[] = [ids];
    const rows = await db.query(`${selectSql} WHERE t.id = ANY($1::uuid[])${and(scope?.(params))}`, params);
    const found = new Map(rows.map((r) => [r.id as string, map(r)]));
    return ids.map((id) => found.get(id) ?? null);
  });
}

/** Loads all child rows of many parents in one statement; each parent gets its list (possibly empty). */
export function byParentLoader<T>(
  db: Db,
  selectSql: string,
  parentColumn: string,
  orderBy: string,
  map: (row: Row) => T,
) {
  return new DataLoader<string, T[]>(async (parentIds) => {
    const rows = await db.query(
      `${selectSql} WHERE t.${parentColumn} = ANY($1::uuid[]) ORDER BY ${orderBy}`,
      [parentIds],
    );
    const byParent = new Map<string, T[]>();
    for (const r of rows) {
      const key = r.__parent as string;
      const list = byParent.get(key) ?? [];
      list.push(map(r));
      byParent.set(key, list);
    }
    return parentIds.map((id) => byParent.get(id) ?? []);
  });
}

export type ChildPageKey = { parentId: string; page: PageRequest };

/**
 * One page of children for many parents in one statement (a LATERAL join per parent, each using the
 * parent's index). Pages with different arguments are batched separately.
 */
export function childPageLoader<T>(
  db: Db,
  opts: {
    table: string;
    columns: string;
    parentColumn: string;
    /** Sort keys over the child table, seen as t. */
    orderKeys: SortKey[];
    map: (row: Row) => T;
    scope?: RowScope;
  },
) {
  return new DataLoader<ChildPageKey, T[], string>(
    async (keys) => {
      // Keys with the same page arguments share one statement; the page key is computed once per key.
      const groups = new Map<string, { page: PageRequest; parentIds: string[] }>();
      const pageKeys = keys.map((k) => JSON.stringify(k.page));
      keys.forEach((k, i) => {
        const g = groups.get(pageKeys[i]!);
        if (g) g.parentIds.push(k.parentId);
        else groups.set(pageKeys[i]!, { page: k.page, parentIds: [k.parentId] });
      });
      const result = new Map<string, Map<string, T[]>>();
      await Promise.all(
        [...groups.entries()].map(async ([pageKey, { page, parentIds }]) => {
          const params: unknown[] = [parentIds];
          const ks = keysetSql(page, opts.orderKeys, "ASC", params);
          const scoped = and(opts.scope?.(params));
          const rows = await db.query(
            `SELECT c.* FROM unnest($1::uuid[]) AS p(id) CROSS JOIN LATERAL (
               SELECT ${opts.columns}, t.${opts.parentColumn} AS "__parent" FROM ${opts.table} t
               WHERE t.${opts.parentColumn} = p.id ${ks.where ? `AND ${ks.where}` : ""}${scoped}
               ORDER BY ${ks.orderBy} LIMIT ${ks.limit}) c`,
            params,
          );
          const byParent = new Map<string, T[]>();
          for (const r of rows) {
            const parent = r.__parent as string;
            const list = byParent.get(parent);
            if (list) list.push(opts.map(r));
            else byParent.set(parent, [opts.map(r)]);
          }
          result.set(pageKey, byParent);
        }),
      );
      return keys.map((k, i) => result.get(pageKeys[i]!)?.get(k.parentId) ?? []);
    },
    { cacheKeyFn: (k) => `${k.parentId}|${JSON.stringify(k.page)}` },
  );
}

/** Counts children per parent in one statement (the scope sees the table as t). */
export function childCountLoader(db: Db, table: string, parentColumn: string, scope?: RowScope) {
  return new DataLoader<string, number>(async (parentIds) => {
    const params: unknown[] = [parentIds];
    const rows = await db.query<{ parent: string; n: number }>(
      `SELECT t.${parentColumn} AS parent, count(*)::int AS n FROM ${table} t
        WHERE t.${parentColumn} = ANY($1::uuid[])${and(scope?.(params))} GROUP BY 1`,
      params,
    );
    const counts = new Map(rows.map((r) => [r.parent, r.n]));
    return parentIds.map((id) => counts.get(id) ?? 0);
  });
}
