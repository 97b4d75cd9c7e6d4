import { createHash } from "node:crypto";
import type { Pool } from "pg";
import { DataSource, type EntityManager } from "typeorm";
import { countStatement } from "./request-scope.js";

/** The read side: raw rows through the shared pool (entity hydration is too slow for big reads). */
export type Db = {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
};

/**
 * Outside a transaction, reads go straight to pg's pool: TypeORM's query runner adds a connection
 * checkout, events and logging per statement, which shows on the nested read path. A statement with
 * parameters is a prepared one (see statementName).
 */
export function dbOf(source: DataSource | EntityManager): Db {
  if (source instanceof DataSource) {
    const pool = (source.driver as unknown as { master: Pool }).master;
    return {
      query: async <T>(text: string, values: unknown[] = []) => {
        countStatement();
        const name = values.length > 0 ? statementName(text) : undefined;
        return (await pool.query({ name, text, values })).rows as T[];
      },
    };
  }
  return { query: <T>(sql: string, params: unknown[] = []) => source.query(sql, params) as Promise<T[]> };
}

const NAMES_MAX = 10_000;
const names = new Map<string, string>();

/**
 * The name a statement is prepared under, on each pool connection the first time it runs there: sent
 * unnamed, PostgreSQL plans it every time, which on the nested read cost as much CPU as running it. The
 * name is the text's hash, so one text is one statement however it was built. Only statements with
 * parameters (pg sends those in the extended protocol already, one statement per text).
 */
function statementName(text: string): string {
  let name = names.get(text);
  if (name === undefined) {
    name = `fc_${createHash("sha1").update(text).digest("base64url")}`;
    if (names.size < NAMES_MAX) names.set(text, name);
  }
  return name;
}
