import type { Principal } from "../common/principal.js";
import { Permission } from "./permissions.js";

/** Operators a permission reaches: every one (a provider-wide grant) or a set of operator ids. */
export type OperatorScope = "all" | ReadonlySet<string>;

const NONE: ReadonlySet<string> = new Set();

/**
 * What one principal may do, computed once per request from its role grants (see Authz.accessFor) and
 * handed to resolvers, services and loaders. Reads filter by it in SQL; point checks ask it directly.
 */
export class Access {
  private readonly arrays = new Map<Permission, string[]>();

  private constructor(
    readonly principal: Principal | null,
    readonly subject: string | null,
    private readonly grants: ReadonlyMap<Permission, OperatorScope>,
  ) {}

  static anonymous(): Access {
    return new Access(null, null, new Map());
  }

  /** Background work of the server itself (run workers, seeds): everything, everywhere. */
  static system(): Access {
    return new Access(null, null, new Map(Object.values(Permission).map((p) => [p, "all" as const])));
  }

  /** From the permissions held per domain: operator ids, or null for the provider-wide domain. */
  static of(
    principal: Principal,
    subject: string,
    held: Iterable<{ operatorId: string | null; permissions: Iterable<Permission> }>,
  ): Access {
    const grants = new Map<Permission, "all" | Set<string>>();
    for (const { operatorId, permissions } of held) {
      for (const p of permissions) {
        const current = grants.get(p);
        if (operatorId === null) grants.set(p, "all");
        else if (current === undefined) grants.set(p, new Set([operatorId]));
        else if (current !== "all") current.add(operatorId);
      }
    }
    return new Access(principal, subject, grants);
  }

  /** Whether the permission is held anywhere at all: the root-field check. */
  holdsAnywhere(p: Permission): boolean {
    const s = this.grants.get(p);
    return s !== undefined && (s === "all" || s.size > 0);
  }

  /** Whether the permission is held for this operator (directly or provider-wide). */
  allows(p: Permission, operatorId: string): boolean {
    const s = this.grants.get(p);
    return s !== undefined && (s === "all" || s.has(operatorId));
  }

  /** Whether the permission is held provider-wide: needed for what belongs to no operator. */
  providerWide(p: Permission): boolean {
    return this.grants.get(p) === "all";
  }

  scope(p: Permission): OperatorScope {
    return this.grants.get(p) ?? NONE;
  }

  /** The permissions held for an operator (null: provider-wide ones only). */
  permissionsFor(operatorId: string | null): Set<Permission> {
    const out = new Set<Permission>();
    for (const [p, s] of this.grants) {
      if (s === "all" || (operatorId !== null && s.has(operatorId))) out.add(p);
    }
    return out;
  }

  /** The operator ids of a scope other than "all", as an array for SQL parameters (built once). */
  operatorIds(p: Permission): string[] {
    let ids = this.arrays.get(p);
    if (!ids) {
      const s = this.scope(p);
      this.arrays.set(p, (ids = s === "all" ? [] : [...s]));
    }
    return ids;
  }
}
