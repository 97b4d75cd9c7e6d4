import type { DataSource, EntityManager } from "typeorm";
import { badInput, conflict } from "../common/errors.js";
import { expectGlobalId } from "../common/global-id.js";
import { dbOf } from "../db/db.js";
import { SqlFilter, listPage, listSql } from "../db/list-page.js";
import { inTransaction } from "../db/transaction.js";
import type { Connection, PageArgs } from "../api/connection.js";
import type { Caller } from "../common/caller.js";
import type { Authz, Decision } from "./authz.js";
import type { Place } from "./access.js";
import { accessOf, assertNotAbove } from "./denied.js";
import { type DomainRef, authorizeIn, locateDomain } from "./domain-ref.js";
import {
  INSTALLATION_DOMAIN,
  domainName,
  isSubject,
  operatorDomain,
  parseDomain,
  providerDomain,
  toPermission,
} from "./model.js";
import { Permission } from "./permissions.js";
import type { RoleAssignmentFilter, RoleGrantInput } from "./policy.inputs.js";
import { ASSIGNMENT_COLUMNS, type Grant, deleteGrant, writeGrant } from "./policy-store.js";
import {
  type AccessExplanation,
  DomainKindValue,
  type Role,
  type RoleAssignment,
  toRoleAssignment,
} from "./policy.types.js";
import type { RoleCatalogue } from "./catalogue.js";
import { ROLES, roleDomainProblem } from "./roles.js";
import { integerKey } from "../db/sort-key.js";
import { restrict } from "./scope-sql.js";
import { sql } from "../db/named-sql.js";

const ASSIGNMENT_LIST = listSql("authz.roleAssignments", "casbin_rule t", ASSIGNMENT_COLUMNS);

/** Role grants through the API: who may change them, and no one above their own permissions. */
export class PolicyService {
  constructor(
    private readonly ds: DataSource,
    private readonly authz: Authz,
    private readonly catalogue: RoleCatalogue,
  ) {}

  /** The roles, with the permissions the role policy lines in the database give them. */
  async roles(): Promise<Role[]> {
    const held = await this.authz.rolePermissions();
    return ROLES.map((r) => ({
      name: r.name,
      description: r.description,
      domains: r.domains.map((d) => d as DomainKindValue),
      permissions: [...(held.get(r.name) ?? [])].sort(),
    }));
  }

  async grant(caller: Caller, input: RoleGrantInput): Promise<RoleAssignment> {
    const row = await inTransaction(this.ds, async (tx) => {
      const g = await this.authorizeChange(tx, caller, input);
      return (await writeGrant(tx, caller, g)).row;
    });
    // Other processes hear of it by NOTIFY; this one must not answer the next request from the old state.
    this.authz.invalidate(row.domain, row.subject);
    return toRoleAssignment(row);
  }

  /** True when the grant existed and is gone now; false when there was none. */
  async revoke(caller: Caller, input: RoleGrantInput): Promise<boolean> {
    let domain = "";
    const removed = await inTransaction(this.ds, async (tx) => {
      const g = await this.authorizeChange(tx, caller, input);
      domain = domainName(g.domain);
      if (g.role === "provider-admin" || g.role === "platform-admin") await keepOneAdmin(tx, g);
      return deleteGrant(tx, caller, g);
    });
    this.authz.invalidate(domain, input.subject);
    return removed;
  }

  /** Grants in the domains where the caller may read policies (policy:read). */
  list(
    caller: Caller,
    filter: RoleAssignmentFilter | undefined,
    args: PageArgs,
  ): Promise<Connection<RoleAssignment>> {
    const f = new SqlFilter();
    f.where.push(`t.ptype = 'g'`);
    if (filter?.subject) f.add((p) => `t.v0 = ${p}`, filter.subject);
    if (filter?.operatorId) {
      const id = expectGlobalId(filter.operatorId, "Operator", "filter.operatorId");
      f.add((p) => `t.v2 = ${p}`, operatorDomain(id));
    }
    if (filter?.providerId) {
      const id = expectGlobalId(filter.providerId, "Provider", "filter.providerId");
      f.add((p) => `t.v2 = ${p}`, providerDomain(id));
    }
    if (filter?.installation) f.add((p) => `t.v2 = ${p}`, INSTALLATION_DOMAIN);
    restrict(f, accessOf(caller), Permission.PolicyRead, "role_assignment");
    return listPage(dbOf(this.ds), {
      sql: ASSIGNMENT_LIST,
      filter: f,
      order: [integerKey("t.id")],
      direction: "ASC",
      args,
      map: toRoleAssignment,
      cursorOf: (a) => [a.seq],
    });
  }

  /** Which grant lets the subject use the permission there (no operator or provider: installation-wide). */
  async explain(
    caller: Caller,
    subject: string,
    where: DomainRef,
    permissionName: string,
  ): Promise<AccessExplanation> {
    const s = checkSubject(subject, "subject");
    const permission = toPermission(permissionName);
    if (!permission) throw badInput("permission", `unknown permission ${permissionName}`);
    const at = await locateDomain(dbOf(this.ds), where, "where");
    authorizeIn(caller, Permission.PolicyRead, at, "Policy");
    const place = at.place === "installation" ? null : at.place;
    const d = await this.authz.explain(s, permission, place);
    const decided = d.domain === null ? null : parseDomain(d.domain);
    return {
      ...d,
      operatorId: decided?.kind === "operator" ? decided.operatorId : null,
      providerId: decided?.kind === "provider" ? decided.providerId : null,
      reason: reasonOf(d, place),
    };
  }

  /**
   * policy:manage where the grant applies, a role that may be held there, and every permission of the
   * role held there by the caller: nobody hands out (or takes away) more than they have.
   */
  private async authorizeChange(tx: EntityManager, caller: Caller, input: RoleGrantInput): Promise<Grant> {
    const subject = checkSubject(input.subject, "input.subject");
    const role = this.catalogue.role(input.role);
    if (!role)
      throw badInput(
        "input.role",
        `unknown role ${input.role}; roles: ${ROLES.map((r) => r.name).join(", ")}`,
      );
    const at = await locateDomain(tx, input, "input");
    const problem = roleDomainProblem(role, at.domain.kind);
    // The field to add or drop: an operator's, else the provider's.
    const operatorField = at.domain.kind === "operator" || role.domains.includes("operator");
    if (problem) throw badInput(operatorField ? "input.operatorId" : "input.providerId", problem);
    authorizeIn(caller, Permission.PolicyManage, at, "Policy");
    assertNotAbove(caller, role, at.place, subject);
    return { subject, role: role.name, domain: at.domain };
  }
}

const LOCK_HOLDERS = sql(
  "authz.grant.lockHolders",
  `SELECT v0 AS subject FROM casbin_rule WHERE ptype = 'g' AND v1 = $1 AND v2 = $2 FOR UPDATE`,
);

/**
 * A provider keeps an administrator, and the installation its platform administrator: the last such
 * grant in its domain cannot be revoked.
 */
async function keepOneAdmin(tx: EntityManager, g: Grant): Promise<void> {
  // Locks every such grant of the domain, so two concurrent revocations cannot both pass.
  const admins = (await tx.query(LOCK_HOLDERS, [g.role, domainName(g.domain)])) as { subject: string }[];
  if (admins.length === 1 && admins[0]!.subject === g.subject) {
    throw conflict(
      "input.subject",
      `the last ${g.role} cannot be revoked; grant the role to someone else first`,
    );
  }
}

function checkSubject(value: string, field: string): string {
  if (!isSubject(value)) throw badInput(field, `${field} must be user:<id> or client:<id>`);
  return value;
}

function reasonOf(d: Decision, at: Place | null): string {
  const where = [
    INSTALLATION_DOMAIN,
    ...(at ? [providerDomain(at.providerId)] : []),
    ...(at?.operatorId ? [operatorDomain(at.operatorId)] : []),
  ].join(" or ");
  return d.allowed
    ? `allowed: ${d.subject} holds ${d.role} in ${d.domain}, and ${d.role} has ${d.permission}`
    : `denied: no role of ${d.subject} in ${where} has ${d.permission}`;
}
