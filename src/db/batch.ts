import DataLoader from "dataloader";
import type { PageRequest } from "../api/connection.js";
import type { Db } from "./db.js";
import { keysetSql, limitParam } from "./keyset.js";
import { type SqlTemplate, sql, sqlTemplate } from "./named-sql.js";
import { type FieldColumn, isoTimeOf } from "./sql.js";
import type { SortKey } from "./sort-key.js";

type Row = Record<string, unknown>;

/**
 * An extra condition on the rows a loader may return (the caller's authorization scope, src/authz/);
 * it appends its parameters to params and answers null when there is nothing to filter.
 */
export type RowScope = (params: unknown[]) => string | null;

const and = (cond: string | null | undefined) => (cond ? ` AND ${cond}` : "");

/** Names a by-id loader's statement: `select` (its table seen as t) for the ids asked, within the scope. */
export const byIdSql = (name: string, select: string): SqlTemplate<"scope"> =>
  sqlTemplate(name, `${select} WHERE t.id = ANY($1::uuid[]){{scope}}`);

/** Loads rows by primary key in one statement per tick; missing (or out of scope) ids resolve to null. */
export function byIdLoader<T>(
  db: Db,
  statement: SqlTemplate<"scope">,
  map: (row: Row) => T,
  scope?: RowScope,
) {
  return new DataLoader<string, T | null>(async (ids) => {
    const params: unknown[] = [ids];
    const rows = await db.query(statement.fill({ scope: and(scope?.(params)) }), params);
    const found = new Map(rows.map((r) => [r.id as string, map(r)]));
    return ids.map((id) => found.get(id) ?? null);
  });
}

/** Names a by-parent loader's statement: `select` (its table seen as t) for the parents asked, in order. */
export const byParentSql = (name: string, select: string, parentColumn: string, orderBy: string): string =>
  sql(name, `${select} WHERE t.${parentColumn} = ANY($1::uuid[]) ORDER BY ${orderBy}`);

/** Loads all child rows of many parents in one statement; each parent gets its list (possibly empty). */
export function byParentLoader<T>(db: Db, statement: string, map: (row: Row) => T) {
  return new DataLoader<string, T[]>(async (parentIds) => {
    const rows = await db.query(statement, [parentIds]);
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

type ChildPageSlots = "keyset" | "scope" | "orderBy" | "limit";

/** A child page loader's statement and the fields its JSON arrays hold, in order. */
export type ChildPageSql = { template: SqlTemplate<ChildPageSlots>; fields: string[] };

/**
 * Names a child page loader's statement over `table` (seen as t), its children selected by `parentColumn`:
 * one row per parent, its page as one JSON array in order (json_agg over the sorted, limited subquery), each
 * child an array of its columns' values: no field names repeated per child for PostgreSQL to write and the
 * server to parse (a third of the page's bytes). The columns must be of JSON-safe types (no bigint or
 * numeric, which JSON would turn into numbers), at most 100 (json_build_array's arguments); timestamps as
 * jsonTime writes them (src/db/sql.ts), named in the loader's `times`.
 */
export const childPageSql = (
  name: string,
  table: string,
  columns: readonly FieldColumn[],
  parentColumn: string,
): ChildPageSql => ({
  template: sqlTemplate(
    name,
    `SELECT p.id AS parent, (SELECT json_agg(json_build_array(${columns.map((_, i) => `c.c${i}`).join(", ")})) FROM (
               SELECT ${columns.map(([, sql], i) => `${sql} AS c${i}`).join(", ")} FROM ${table} t
               WHERE t.${parentColumn} = p.id {{keyset}}{{scope}}
               ORDER BY {{orderBy}} LIMIT {{limit}}) c) AS page
             FROM unnest($1::uuid[]) AS p(id)`,
  ),
  fields: columns.map(([field]) => field),
});

/**
 * One page of children for many parents in one statement (a subquery per parent, each using the parent's
 * index). Each page comes as one JSON value, which pg decodes natively: field by field, pg's row parsing
 * cost the nested read more than its execution. Pages with different arguments are batched separately.
 */
export function childPageLoader<T>(
  db: Db,
  opts: {
    sql: ChildPageSql;
    /** Sort keys over the child table, seen as t. */
    orderKeys: SortKey[];
    map: (row: Row) => T;
    scope?: RowScope;
    /** The page's jsonTime fields, turned into isoTime's text before map. */
    times?: string[];
  },
) {
  const { fields } = opts.sql;
  const times = opts.times ?? [];
  const fromJson = (values: unknown[]): T => {
    const row: Row = {};
    for (let i = 0; i < fields.length; i++) row[fields[i]!] = values[i];
    for (const f of times) row[f] = isoTimeOf(row[f] as string | null);
    return opts.map(row);
  };
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
          const rows = await db.query<{ parent: string; page: unknown[][] | null }>(
            opts.sql.template.fill({
              keyset: ks.where ? `AND ${ks.where}` : "",
              scope: scoped,
              orderBy: ks.orderBy,
              limit: limitParam(params, ks.limit),
            }),
            params,
          );
          const byParent = new Map<string, T[]>();
          for (const r of rows) if (r.page) byParent.set(r.parent, r.page.map(fromJson));
          result.set(pageKey, byParent);
        }),
      );
      return keys.map((k, i) => result.get(pageKeys[i]!)?.get(k.parentId) ?? []);
    },
    { cacheKeyFn: (k) => `${k.parentId}|${JSON.stringify(k.page)}` },
  );
}

/** Names a child count loader's statement over `table` (seen as t), its children selected by `parentColumn`. */
export const childCountSql = (name: string, table: string, parentColumn: string): SqlTemplate<"scope"> =>
  sqlTemplate(
    name,
    `SELECT t.${parentColumn} AS parent, count(*)::int AS n FROM ${table} t
        WHERE t.${parentColumn} = ANY($1::uuid[]){{scope}} GROUP BY 1`,
  );

/** Counts children per parent in one statement (the scope sees the table as t). */
export function childCountLoader(db: Db, statement: SqlTemplate<"scope">, scope?: RowScope) {
  return new DataLoader<string, number>(async (parentIds) => {
    const params: unknown[] = [parentIds];
    const rows = await db.query<{ parent: string; n: number }>(
      statement.fill({ scope: and(scope?.(params)) }),
      params,
    );
    const counts = new Map(rows.map((r) => [r.parent, r.n]));
    return parentIds.map((id) => counts.get(id) ?? 0);
  });
}
