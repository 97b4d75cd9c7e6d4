import DataLoader from "dataloader";
import type { PageRequest } from "../graphql/connection.js";
import type { Db } from "./db.js";
import { keysetSql } from "./keyset.js";

type Row = Record<string, unknown>;

/** Loads rows by primary key in one statement per tick; missing ids resolve to null. */
export function byIdLoader<T>(db: Db, selectSql: string, map: (row: Row) => T) {
  return new DataLoader<string, T | null>(async (ids) => {
    const rows = await db.query(`${selectSql} WHERE t.id = ANY($1::uuid[])`, [ids]);
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
    orderColumns: string[];
    map: (row: Row) => T;
  },
) {
  return new DataLoader<ChildPageKey, T[], string>(
    async (keys) => {
      const groups = new Map<string, ChildPageKey[]>();
      for (const k of keys) {
        const g = JSON.stringify(k.page);
        groups.set(g, [...(groups.get(g) ?? []), k]);
      }
      const result = new Map<string, T[]>();
      await Promise.all(
        [...groups.values()].map(async (group) => {
          const page = group[0]!.page;
          const params: unknown[] = [group.map((k) => k.parentId)];
          const cols = opts.orderColumns.map((c) => `t.${c}`);
          const ks = keysetSql(page, cols, "ASC", params);
          const rows = await db.query(
            `SELECT c.* FROM unnest($1::uuid[]) AS p(id) CROSS JOIN LATERAL (
               SELECT ${opts.columns}, t.${opts.parentColumn} AS "__parent" FROM ${opts.table} t
               WHERE t.${opts.parentColumn} = p.id ${ks.where ? `AND ${ks.where}` : ""}
               ORDER BY ${ks.orderBy} LIMIT ${ks.limit}) c`,
            params,
          );
          for (const r of rows) {
            const key = `${r.__parent as string}|${JSON.stringify(page)}`;
            const list = result.get(key) ?? [];
            list.push(opts.map(r));
            result.set(key, list);
          }
        }),
      );
      return keys.map((k) => result.get(`${k.parentId}|${JSON.stringify(k.page)}`) ?? []);
    },
    { cacheKeyFn: (k) => `${k.parentId}|${JSON.stringify(k.page)}` },
  );
}

/** Counts children per parent in one statement. */
export function childCountLoader(db: Db, table: string, parentColumn: string) {
  return new DataLoader<string, number>(async (parentIds) => {
    const rows = await db.query<{ parent: string; n: number }>(
      `SELECT ${parentColumn} AS parent, count(*)::int AS n FROM ${table} WHERE ${parentColumn} = ANY($1::uuid[]) GROUP BY 1`,
      [parentIds],
    );
    const counts = new Map(rows.map((r) => [r.parent, r.n]));
    return parentIds.map((id) => counts.get(id) ?? 0);
  });
}
