import type { DataSource } from "typeorm";
import { operatorOfDomain, providerOfDomain } from "../authz/model.js";
import { domainKindOf } from "../authz/policy.types.js";
import { toGlobalId } from "../common/global-id.js";
import { type Me, type Membership, PrincipalKind } from "./authn.types.js";
import type { Principal } from "../common/principal.js";
import { sql } from "../db/named-sql.js";

const ROLES = sql(
  "authn.me.roles",
  `SELECT v1 AS role, v2 AS domain FROM casbin_rule WHERE ptype = 'g' AND v0 = $1 ORDER BY v2, v1`,
);
const ME_USER = sql(
  "authn.me.user",
  `SELECT email, totp_enabled_at IS NOT NULL AS "totpEnabled" FROM app_user WHERE id = $1`,
);

/**
 * Who the caller is and the roles it holds. Roles are authorization's policy lines (casbin_rule `g`
 * lines, subject `user:<id>` / `client:<id>`, domain `installation`, `provider:<id>` or `operator:<id>`);
 * read here as they are.
 */
export async function whoAmI(ds: DataSource, p: Principal): Promise<Me> {
  const subject = `${p.kind}:${p.id}`;
  const [grants, user]: [{ role: string; domain: string }[], { email: string; totpEnabled: boolean }[]] =
    await Promise.all([
      ds.query(ROLES, [subject]),
      p.kind === "user" ? ds.query(ME_USER, [p.id]) : Promise.resolve([]),
    ]);
  const memberships: Membership[] = grants.map((g) => ({
    role: g.role,
    domainKind: domainKindOf(g.domain),
    operatorUuid: operatorOfDomain(g.domain),
    providerUuid: providerOfDomain(g.domain),
  }));
  return {
    kind: p.kind === "user" ? PrincipalKind.USER : PrincipalKind.SERVICE_ACCOUNT,
    id: toGlobalId(p.kind === "user" ? "User" : "Client", p.id),
    name: p.name,
    email: user[0]?.email ?? null,
    totpEnabled: p.kind === "user" ? (user[0]?.totpEnabled ?? false) : null,
    clientId: p.clientId ?? "",
    scopes: p.scopes ?? [],
    memberships,
  };
}
