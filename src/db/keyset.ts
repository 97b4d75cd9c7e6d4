import { badInput } from "../common/errors.js";
import type { PageRequest } from "../api/connection.js";
import type { SortKey } from "./sort-key.js";

/**
 * SQL fragments for keyset paging over columns sorted the same way (the last one unique, e.g. id).
 * Checks the cursor's values against the keys' kinds, appends them to params; the caller fetches
 * LIMIT limit + 1 rows.
 */
export function keysetSql(
  page: PageRequest,
  keys: SortKey[],
  direction: "ASC" | "DESC",
  params: unknown[],
): { where: string | null; orderBy: string; limit: number } {
  const ascending = (direction === "ASC") === page.forward;
  const dir = ascending ? "ASC" : "DESC";
  const columns = keys.map((k) => k.column);
  const orderBy = columns.map((c) => `${c} ${dir}`).join(", ");
  let where: string | null = null;
  if (page.cursor) {
    const field = page.forward ? "after" : "before";
    if (page.cursor.length !== keys.length || !keys.every((k, i) => k.accepts(page.cursor?.[i])))
      throw badInput(field, `${field} is not a cursor of this list and ordering`);
    const placeholders = page.cursor.map((v) => {
      params.push(v);
      return `$${params.length}`;
    });
    where = `(${columns.join(", ")}) ${ascending ? ">" : "<"} (${placeholders.join(", ")})`;
  }
  return { where, orderBy, limit: page.limit + 1 };
}

/** A page's LIMIT as a parameter: one prepared statement serves every page size (src/db/db.ts). */
export function limitParam(params: unknown[], limit: number): string {
  params.push(limit);
  return `$${params.length}::int`;
}
