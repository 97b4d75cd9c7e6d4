import type { EntityManager } from "typeorm";
import { recordEvent } from "../accounting/record-event.js";
import type { Caller } from "../common/caller.js";
import { type Domain, domainName } from "./model.js";
import { sql } from "../db/named-sql.js";

/** One role held by one subject in one domain. */
export type Grant = { subject: string; role: string; domain: Domain };

export type AssignmentRow = { id: string; subject: string; role: string; domain: string; grantedAt: string };

export const ASSIGNMENT_COLUMNS = `t.id, t.v0 AS subject, t.v1 AS role, t.v2 AS domain,
  to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "grantedAt"`;

const domainOf = (g: Grant) => domainName(g.domain);
/** The operator whose hash chain records the change: the operator's, else none. */
const operatorOf = (g: Grant) => (g.domain.kind === "operator" ? g.domain.operatorId : null);

const GRANT_INSERT = sql(
  "authz.grant.insert",
  `INSERT INTO casbin_rule AS t (ptype, v0, v1, v2) VALUES ('g', $1, $2, $3)
     ON CONFLICT (ptype, v0, v1, v2) DO NOTHING RETURNING ${ASSIGNMENT_COLUMNS}`,
);
const GET = sql(
  "authz.grant.get",
  `SELECT ${ASSIGNMENT_COLUMNS} FROM casbin_rule t WHERE ptype = 'g' AND v0 = $1 AND v1 = $2 AND v2 = $3`,
);

/**
 * Writes a role grant (a `g` line) with its accounting event, in the caller's transaction. No checks:
 * PolicyService checks for API callers; seeds, the CLI and service-account setup call this directly.
 * A trigger on casbin_rule notifies every process when the transaction commits.
 * Returns the assignment and whether it is new (granting twice changes nothing).
 */
export async function writeGrant(
  tx: EntityManager,
  caller: Caller,
  g: Grant,
): Promise<{ row: AssignmentRow; created: boolean }> {
  const params = [g.subject, g.role, domainOf(g)];
  const [inserted] = (await tx.query(GRANT_INSERT, params)) as AssignmentRow[];
  if (inserted) {
    await recordEvent(tx, caller, {
      action: "grant",
      targetKind: "role-assignment",
      targetId: g.subject,
      operatorId: operatorOf(g),
      changes: { [domainOf(g)]: { before: null, after: g.role } },
    });
    return { row: inserted, created: true };
  }
  const [existing] = (await tx.query(GET, params)) as AssignmentRow[];
  return { row: existing!, created: false };
}

const GRANT_DELETE = sql(
  "authz.grant.delete",
  `WITH d AS (DELETE FROM casbin_rule WHERE ptype = 'g' AND v0 = $1 AND v1 = $2 AND v2 = $3 RETURNING id)
     SELECT id FROM d`,
);

/** Removes a role grant with its accounting event; false when there was none. */
export async function deleteGrant(tx: EntityManager, caller: Caller, g: Grant): Promise<boolean> {
  // Wrapped in a SELECT: TypeORM answers a bare DELETE with [rows, count] rather than the rows.
  const removed = (await tx.query(GRANT_DELETE, [g.subject, g.role, domainOf(g)])) as unknown[];
  if (removed.length === 0) return false;
  await recordEvent(tx, caller, {
    action: "revoke",
    targetKind: "role-assignment",
    targetId: g.subject,
    operatorId: operatorOf(g),
    changes: { [domainOf(g)]: { before: g.role, after: null } },
  });
  return true;
}
