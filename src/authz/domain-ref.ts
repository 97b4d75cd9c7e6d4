import { badInput, notFound } from "../common/errors.js";
import { expectGlobalId } from "../common/global-id.js";
import type { Caller } from "../common/caller.js";
import type { Place } from "./access.js";
import { authorize, authorizeInstallation } from "./denied.js";
import { type Domain, INSTALLATION } from "./model.js";
import type { Permission } from "./permissions.js";
import { sql } from "../db/named-sql.js";

/** Where a grant applies, as the API names it: an operator, a provider, or neither (the installation). */
export type DomainRef = { operatorId?: string | null; providerId?: string | null };

/** A domain looked up: it exists, and where it applies (an operator's provider included). */
export type LocatedDomain = {
  domain: Domain;
  place: Place | "installation";
  /** The operator's or provider's global id, for errors; null for the installation. */
  globalId: string | null;
};

type Queryable = { query(sql: string, params?: unknown[]): Promise<unknown> };

const PROVIDER_OF_OPERATOR = sql(
  "authz.domain.providerOfOperator",
  `SELECT provider_id AS "providerId" FROM operator WHERE id = $1`,
);
const PROVIDER_EXISTS = sql("authz.domain.providerExists", `SELECT id FROM provider WHERE id = $1`);

/** Parses the reference and looks the operator or provider up; NOT_FOUND when it does not exist. */
export async function locateDomain(db: Queryable, ref: DomainRef, field: string): Promise<LocatedDomain> {
  if (ref.operatorId && ref.providerId) {
    throw badInput(`${field}.providerId`, "name an operator or a provider, not both");
  }
  if (ref.operatorId) {
    const operatorId = expectGlobalId(ref.operatorId, "Operator", `${field}.operatorId`);
    const [op] = (await db.query(PROVIDER_OF_OPERATOR, [operatorId])) as { providerId: string }[];
    if (!op) throw notFound("Operator", ref.operatorId);
    return {
      domain: { kind: "operator", operatorId },
      place: { providerId: op.providerId, operatorId },
      globalId: ref.operatorId,
    };
  }
  if (ref.providerId) {
    const providerId = expectGlobalId(ref.providerId, "Provider", `${field}.providerId`);
    const [p] = (await db.query(PROVIDER_EXISTS, [providerId])) as unknown[];
    if (!p) throw notFound("Provider", ref.providerId);
    return {
      domain: { kind: "provider", providerId },
      place: { providerId, operatorId: null },
      globalId: ref.providerId,
    };
  }
  return { domain: INSTALLATION, place: "installation", globalId: null };
}

/**
 * The permission where the domain applies. Out of reach, an operator or provider looks missing (as
 * authorize answers); the installation answers FORBIDDEN.
 */
export function authorizeIn(caller: Caller, permission: Permission, at: LocatedDomain, what: string): void {
  if (at.place === "installation") return authorizeInstallation(caller, permission, { kind: what, id: null });
  const kind = at.domain.kind === "operator" ? "Operator" : "Provider";
  authorize(caller, permission, { kind, id: at.globalId!, ...at.place });
}
