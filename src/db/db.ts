import type { Pool } from "pg";
import { DataSource, type EntityManager } from "typeorm";
import { countStatement } from "./request-scope.js";

/** The read side: raw rows through the shared pool (entity hydration is too slow for big reads). */
export type Db = {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
};

/**
 * Outside a transaction, reads go straight to pg's pool: TypeORM's query runner adds a connection
 * checkout, events and logging per statement, which shows on the nested read path.
 */
export function dbOf(source: DataSource | EntityManager): Db {
  if (source instanceof DataSource) {
    const pool = (source.driver as unknown as { master: Pool }).master;
    return {
      query: async <T>(sql: string, params: unknown[] = []) => {
        countStatement();
        return (await pool.query(sql, params)).rows as T[];
      },
    };
  }
  return { query: <T>(sql: string, params: unknown[] = []) => source.query(sql, params) as Promise<T[]> };
}
