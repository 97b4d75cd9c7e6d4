import type { Request } from "express";
import type { DataSource } from "typeorm";
import type { HttpAuthorizer } from "../accounting/accounting-http.js";
import type { Principal } from "../common/principal.js";
import { dbOf } from "../db/db.js";
import type { Caller } from "../common/caller.js";
import type { Authz } from "./authz.js";
import type { DenialRecorder } from "./denied.js";
import { sql } from "../db/named-sql.js";

const PROVIDER_OF_OPERATOR = sql(
  "authz.http.providerOfOperator",
  `SELECT provider_id AS "providerId" FROM operator WHERE id = $1`,
);

/**
 * The same decision as a GraphQL root field's, for plain HTTP routes (the accounting export): the
 * principal authentication put in res.locals, its access, and the permission for the operator (null:
 * installation-wide). A refusal is 403 whether the operator exists or not, so it tells nothing about others.
 */
export function httpAuthorizer(
  ds: DataSource,
  services: { authz: Authz; denials: DenialRecorder },
): HttpAuthorizer {
  return async (req: Request, permission, operatorId) => {
    const principal = (req.res?.locals.principal as Principal | null | undefined) ?? null;
    if (!principal) return { allow: false, status: 401, message: "authentication required" };
    const access = await services.authz.accessFor(principal);
    // The operator's provider, for grants per provider; a missing operator is allowed nowhere.
    const allowsFor = async (id: string) => {
      const [op] = (await dbOf(ds).query(PROVIDER_OF_OPERATOR, [id])) as { providerId: string }[];
      return op !== undefined && access.allows(permission, { providerId: op.providerId, operatorId: id });
    };
    const caller: Caller = {
      requestId: String(req.res?.locals.requestId ?? ""),
      principal,
      client: { ip: req.ip ?? null, userAgent: req.header("user-agent") ?? null },
      access,
    };
    // Installation-wide readers are told of a missing operator (404); others are refused either way.
    const ok = access.installationWide(permission) || (operatorId !== null && (await allowsFor(operatorId)));
    if (ok) return { allow: true, caller };
    await services.denials.record(caller, {
      permission,
      targetKind: "export",
      targetId: req.path,
      operatorId,
      reason: `forbidden: needs ${permission}${operatorId === null ? " installation-wide" : ""}`,
    });
    return { allow: false, status: 403, message: `not allowed: this needs the permission ${permission}` };
  };
}
