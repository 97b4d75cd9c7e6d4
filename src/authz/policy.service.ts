import type { DataSource, EntityManager } from "typeorm";
import { badInput, conflict, notFound } from "../common/errors.js";
import { expectGlobalId } from "../common/global-id.js";
import { dbOf } from "../db/db.js";
import { listPage, SqlFilter } from "../db/list-page.js";
import { inTransaction } from "../db/transaction.js";
import type { Connection, PageArgs } from "../api/connection.js";
import type { Caller } from "../common/caller.js";
import type { Authz, Decision } from "./authz.js";
import { accessOf, assertNotAbove, authorize, authorizeProviderWide } from "./denied.js";
import { PROVIDER_DOMAIN, isSubject, operatorDomain, toPermission } from "./model.js";
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
import { ROLES, roleDomainProblem, roleNamed } from "./roles.js";
import { integerKey } from "../db/sort-key.js";

/** Role grants through the API: who may change them, and no one above their own permissions. */
export class PolicyService {
  constructor(
    private readonly ds: DataSource,
    private readonly authz: Authz,
  ) {}

  /** The roles, with the permissions the role policy lines in the database give them. */
  async roles(): Promise<Role[]> {
    const held = await this.authz.rolePermissions();
    return ROLES.map((r) => ({
      name: r.name,
      description: r.description,
      domains: r.domains.map((d) => (d === "provider" ? DomainKindValue.PROVIDER : DomainKindValue.OPERATOR)),
      permissions: [...(held.get(r.name) ?? [])].sort(),
    }));
  }

  async grant(caller: Caller, input: RoleGrantInput): Promise<RoleAssignment> {
    const g = this.parse(input);
    const row = await inTransaction(this.ds, async (tx) => {
      await this.authorizeChange(tx, caller, g, input.operatorId ?? null);
      return (await writeGrant(tx, caller, g)).row;
    });
    // Other processes hear of it by NOTIFY; this one must not answer the next request from the old state.
    this.authz.invalidate(row.domain, row.subject);
    return toRoleAssignment(row);
  }

  /** True when the grant existed and is gone now; false when there was none. */
  async revoke(caller: Caller, input: RoleGrantInput): Promise<boolean> {
    const g = this.parse(input);
    const removed = await inTransaction(this.ds, async (tx) => {
      await this.authorizeChange(tx, caller, g, input.operatorId ?? null);
      if (g.role === "provider-admin" && g.operatorId === null)
        await this.keepOneProviderAdmin(tx, g.subject);
      return deleteGrant(tx, caller, g);
    });
    this.authz.invalidate(g.operatorId === null ? PROVIDER_DOMAIN : operatorDomain(g.operatorId), g.subject);
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
    if (filter?.providerWide) f.add((p) => `t.v2 = ${p}`, PROVIDER_DOMAIN);
    const access = accessOf(caller);
    const scope = access.scope(Permission.PolicyRead);
    if (scope !== "all") {
      f.add((p) => `t.v2 = ANY(${p}::text[])`, access.operatorIds(Permission.PolicyRead).map(operatorDomain));
    }
    return listPage(dbOf(this.ds), {
      from: "casbin_rule t",
      columns: ASSIGNMENT_COLUMNS,
      filter: f,
      order: [integerKey("t.id")],
      direction: "ASC",
      args,
      map: toRoleAssignment,
      cursorOf: (a) => [a.seq],
    });
  }

  async explain(
    caller: Caller,
    subject: string,
    operatorGlobalId: string | null,
    permissionName: string,
  ): Promise<AccessExplanation> {
    const s = checkSubject(subject, "subject");
    const permission = toPermission(permissionName);
    if (!permission) throw badInput("permission", `unknown permission ${permissionName}`);
    const operatorId = operatorGlobalId ? expectGlobalId(operatorGlobalId, "Operator", "operatorId") : null;
    if (operatorId !== null) {
      const [op] = await dbOf(this.ds).query(`SELECT id FROM operator WHERE id = $1`, [operatorId]);
      if (!op) throw notFound("Operator", operatorGlobalId!);
      authorize(caller, Permission.PolicyRead, { kind: "Operator", id: operatorGlobalId!, operatorId });
    } else authorizeProviderWide(caller, Permission.PolicyRead, { kind: "Policy", id: null });
    const d = await this.authz.explain(s, permission, operatorId);
    return {
      ...d,
      operatorId: d.domain === PROVIDER_DOMAIN ? null : operatorId,
      reason: reasonOf(d, operatorId),
    };
  }

  private parse(input: RoleGrantInput): Grant {
    const subject = checkSubject(input.subject, "input.subject");
    const role = roleNamed(input.role);
    if (!role)
      throw badInput(
        "input.role",
        `unknown role ${input.role}; roles: ${ROLES.map((r) => r.name).join(", ")}`,
      );
    const operatorId = input.operatorId
      ? expectGlobalId(input.operatorId, "Operator", "input.operatorId")
      : null;
    const problem = roleDomainProblem(role, operatorId === null ? "provider" : "operator");
    if (problem) throw badInput("input.operatorId", problem);
    return { subject, role: role.name, operatorId };
  }

  /**
   * policy:manage where the grant applies, and every permission of the role held there by the caller:
   * nobody hands out (or takes away) more than they have.
   */
  private async authorizeChange(
    tx: EntityManager,
    caller: Caller,
    g: Grant,
    operatorGlobalId: string | null,
  ) {
    if (g.operatorId !== null) {
      const [op] = await tx.query(`SELECT id FROM operator WHERE id = $1`, [g.operatorId]);
      if (!op) throw notFound("Operator", operatorGlobalId!);
      authorize(caller, Permission.PolicyManage, {
        kind: "Operator",
        id: operatorGlobalId!,
        operatorId: g.operatorId,
      });
    } else authorizeProviderWide(caller, Permission.PolicyManage, { kind: "Policy", id: null });
    assertNotAbove(caller, g.role, g.operatorId, g.subject);
  }

  /** The provider must keep an administrator: the last provider-admin grant cannot be revoked. */
  private async keepOneProviderAdmin(tx: EntityManager, subject: string): Promise<void> {
    // Locks every provider-admin grant, so two concurrent revocations cannot both pass.
    const admins = (await tx.query(
      `SELECT v0 AS subject FROM casbin_rule WHERE ptype = 'g' AND v1 = 'provider-admin' AND v2 = $1 FOR UPDATE`,
      [PROVIDER_DOMAIN],
    )) as { subject: string }[];
    if (admins.length === 1 && admins[0]!.subject === subject) {
      throw conflict(
        "input.subject",
        "the last provider-admin cannot be revoked; grant the role to someone else first",
      );
    }
  }
}

function checkSubject(value: string, field: string): string {
  if (!isSubject(value)) throw badInput(field, `${field} must be user:<id> or client:<id>`);
  return value;
}

function reasonOf(d: Decision, operatorId: string | null): string {
  const where = operatorId === null ? PROVIDER_DOMAIN : `${PROVIDER_DOMAIN} or ${operatorDomain(operatorId)}`;
  return d.allowed
    ? `allowed: ${d.subject} holds ${d.role} in ${d.domain}, and ${d.role} has ${d.permission}`
    : `denied: no role of ${d.subject} in ${where} has ${d.permission}`;
}
