import type { DataSource, EntityManager } from "typeorm";

/** The read side: raw rows through the shared pool (entity hydration is too slow for big reads). */
export type Db = {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
};

export function dbOf(source: DataSource | EntityManager): Db {
  return {
    query: <T>(sql: string, params: unknown[] = []) => source.query(sql, params) as Promise<T[]>,
  };
}
