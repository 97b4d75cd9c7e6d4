/**
 * Every named SQL statement, by name, as defined: what `npm run sql:emit` writes to schema/queries/ for
 * review, so a change to a query or its shape is a visible diff (a test fails while the files are stale).
 */
const statements = new Map<string, string>();

/**
 * Names a statement where it is defined (once, at module level: `<module>.<what>`); returns its text
 * unchanged. Loaders' selects are completed by src/db/batch.ts (`WHERE t.id = ANY($1)` and the
 * caller's scope).
 */
export function sql(name: string, text: string): string {
  const known = statements.get(name);
  if (known !== undefined && known !== text) throw new Error(`two SQL statements are named ${name}`);
  statements.set(name, text);
  return text;
}

export const namedStatements = (): ReadonlyMap<string, string> => statements;
