import type { DataSource } from "typeorm";
import type { EventInput } from "../accounting/record-event.js";
import { fromGlobalId } from "../common/global-id.js";
import { sql } from "../db/named-sql.js";

// Objects that belong to an operator, and how to find it: a refusal aimed at one goes into its chain.
const OPERATOR_OF: Record<string, string> = {
  operator: sql("authz.denialTarget.operator", `SELECT id AS "operatorId" FROM operator WHERE id = $1`),
  deployment: sql(
    "authz.denialTarget.deployment",
    `SELECT operator_id AS "operatorId" FROM deployment WHERE id = $1`,
  ),
  service: sql(
    "authz.denialTarget.service",
    `SELECT d.operator_id AS "operatorId" FROM service s JOIN deployment d ON d.id = s.deployment_id
             WHERE s.id = $1`,
  ),
  run: sql(
    "authz.denialTarget.run",
    `SELECT d.operator_id AS "operatorId" FROM run r JOIN deployment d ON d.id = r.deployment_id WHERE r.id = $1`,
  ),
};

/**
 * The object a refused operation named in its arguments (`id`, `…Id`, also inside `input`), when it is
 * one that belongs to an operator; null when it names none.
 */
export function targetOfArgs(args: Record<string, unknown>): { kind: string; id: string } | null {
  const input = args.input;
  const candidates = [
    ...Object.entries(args),
    ...(input && typeof input === "object" ? Object.entries(input as Record<string, unknown>) : []),
  ];
  for (const [name, value] of candidates) {
    if ((name !== "id" && !name.endsWith("Id")) || typeof value !== "string") continue;
    const g = fromGlobalId(value);
    const kind = g?.type.toLowerCase();
    if (g && kind && OPERATOR_OF[kind]) return { kind, id: g.id };
  }
  return null;
}

/**
 * Names the operator of each refusal aimed at an existing object, so that it is written into that
 * operator's chain; a refusal of a missing object, or of none, stays provider-wide. One look-up per
 * distinct target, and a request writes a bounded number of refusals (request-denials.ts).
 */
export async function withTargetOperators(ds: DataSource, events: EventInput[]): Promise<EventInput[]> {
  const found = new Map<string, string | null>();
  const out: EventInput[] = [];
  for (const e of events) {
    const statement = OPERATOR_OF[e.targetKind];
    if (e.operatorId || !statement || !e.targetId) {
      out.push(e);
      continue;
    }
    const key = `${e.targetKind}:${e.targetId}`;
    if (!found.has(key)) {
      const [row] = (await ds.query(statement, [e.targetId])) as { operatorId: string }[];
      found.set(key, row?.operatorId ?? null);
    }
    out.push({ ...e, operatorId: found.get(key) ?? null });
  }
  return out;
}
