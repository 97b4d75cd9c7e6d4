import type { ConnectionSql, FieldSql, SqlProjection, SqlRoot } from "./sql-projection.js";

/** Every module's projections merged by type, and the root fields read in SQL. */
export type SqlReadRegistry = {
  types: ReadonlyMap<string, Readonly<Record<string, FieldSql>>>;
  roots: ReadonlyMap<string, ConnectionSql>;
};

export function sqlReadRegistry(
  projections: readonly SqlProjection[],
  roots: readonly SqlRoot[],
): SqlReadRegistry {
  const types = new Map<string, Record<string, FieldSql>>();
  for (const p of projections) {
    const fields = types.get(p.type) ?? {};
    for (const [name, spec] of Object.entries(p.fields)) {
      if (name in fields) throw new Error(`${p.type}.${name} has two SQL projections`);
      fields[name] = spec;
    }
    types.set(p.type, fields);
  }
  return { types, roots: new Map(roots.map((r) => [r.field, r.connection])) };
}
