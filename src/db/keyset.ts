import { badInput } from "../common/errors.js";
import type { PageRequest } from "../graphql/connection.js";

/**
 * SQL fragments for keyset paging over columns sorted the same way (the last one unique, e.g. id).
 * Appends the cursor's values to params; the caller fetches LIMIT limit + 1 rows.
 */
export function keysetSql(
  page: PageRequest,
  columns: string[],
  direction: "ASC" | "DESC",
  params: unknown[],
): { where: string | null; orderBy: string; limit: number } {
  const ascending = (direction === "ASC") === page.forward;
  const dir = ascending ? "ASC" : "DESC";
  const orderBy = columns.map((c) => `${c} ${dir}`).join(", ");
  let where: string | null = null;
  if (page.cursor) {
    if (page.cursor.length !== columns.length)
      throw badInput(page.forward ? "after" : "before", "cursor does not match this ordering");
    const placeholders = page.cursor.map((v) => {
      params.push(v);
      return `$${params.length}`;
    });
    where = `(${columns.join(", ")}) ${ascending ? ">" : "<"} (${placeholders.join(", ")})`;
  }
  return { where, orderBy, limit: page.limit + 1 };
}
