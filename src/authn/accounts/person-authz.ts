import type { EntityManager } from "typeorm";
import type { Place } from "../../authz/access.js";
import { accessOf, forbidden, hidden } from "../../authz/denied.js";
import { type Domain, parseDomain } from "../../authz/model.js";
import { Permission } from "../../authz/permissions.js";
import { toGlobalId } from "../../common/global-id.js";
import type { Caller } from "../../common/caller.js";
import { sql } from "../../db/named-sql.js";

/** Where a person holds roles: the installation, or a place at a provider. */
type Where = Place | "installation";

const WHERE_HELD = sql(
  "authn.person.whereHeld",
  `SELECT g.v2 AS domain, o.provider_id AS "providerId"
       FROM casbin_rule g LEFT JOIN operator o ON g.v2 = 'operator:' || o.id
      WHERE g.ptype = 'g' AND g.v0 = $1`,
);

/** The domains the person holds a role in, an operator's with its provider. */
async function whereHeld(tx: EntityManager, userId: string): Promise<Where[]> {
  const rows = (await tx.query(WHERE_HELD, [`user:${userId}`])) as {
    domain: string;
    providerId: string | null;
  }[];
  return rows.flatMap((r): Where[] => {
    const d = parseDomain(r.domain);
    if (!d) return [];
    if (d.kind === "provider") return [{ providerId: d.providerId, operatorId: null }];
    // A grant of an operator that is gone: only installation-wide staff decide about that person.
    if (d.kind === "operator")
      return [r.providerId ? { providerId: r.providerId, operatorId: d.operatorId } : "installation"];
    return ["installation"];
  });
}

/**
 * A person is changed (password, second factor, sessions, disabling, deleting) only by someone holding the
 * permission wherever that person holds a role: a provider's staff cannot take over another provider's
 * people or the installation's. Someone holding no role is the installation's. Out of the caller's
 * user:read reach the person looks missing.
 */
export async function authorizePersonChange(
  tx: EntityManager,
  caller: Caller,
  permission: Permission,
  userId: string,
): Promise<void> {
  const access = accessOf(caller);
  const places = await whereHeld(tx, userId);
  const holds = (p: Permission, w: Where) =>
    w === "installation" ? access.installationWide(p) : access.allows(p, w);
  if (places.length === 0 ? access.installationWide(permission) : places.every((w) => holds(permission, w)))
    return;
  const target = { kind: "User", id: toGlobalId("User", userId), operatorId: null };
  const sees =
    access.installationWide(Permission.UserRead) || places.some((w) => holds(Permission.UserRead, w));
  throw sees
    ? forbidden({ permission, targetKind: "user", targetId: target.id, operatorId: null })
    : hidden(permission, target);
}

const PROVIDER_OF_OPERATOR = sql(
  "authn.person.providerOfOperator",
  `SELECT provider_id AS "providerId" FROM operator WHERE id = $1`,
);

/** Where a role of this domain puts its holder; an operator that is gone leaves the installation. */
async function placeOf(tx: EntityManager, domain: Domain): Promise<Where> {
  if (domain.kind === "installation") return "installation";
  if (domain.kind === "provider") return { providerId: domain.providerId, operatorId: null };
  const [op] = (await tx.query(PROVIDER_OF_OPERATOR, [domain.operatorId])) as { providerId: string }[];
  return op ? { providerId: op.providerId, operatorId: domain.operatorId } : "installation";
}

/**
 * A new person is the domain's of the role they start with, and without one the installation's (as
 * authorizePersonChange counts them): creating one needs user:manage there.
 */
export async function authorizeNewPerson(
  tx: EntityManager,
  caller: Caller,
  role: Domain | null,
): Promise<void> {
  const access = accessOf(caller);
  const where = role ? await placeOf(tx, role) : "installation";
  const permission = Permission.UserManage;
  if (where === "installation" ? access.installationWide(permission) : access.allows(permission, where))
    return;
  throw forbidden({
    permission,
    targetKind: "user",
    targetId: null,
    operatorId: where === "installation" ? null : where.operatorId,
  });
}
