import type { Principal } from "../common/principal.js";
import type { Domain } from "./model.js";
import { Permission } from "./permissions.js";

/**
 * Where a permission reaches: everywhere (an installation grant), or some providers (each with all its
 * operators) and some single operators.
 */
export type Reach =
  "all" | { readonly providers: ReadonlySet<string>; readonly operators: ReadonlySet<string> };

/** Where a thing belongs: its provider, and its operator (null for the provider's own data). */
export type Place = { providerId: string; operatorId: string | null };

type Held = { providers: Set<string>; operators: Set<string> };
const NONE = { providers: new Set<string>(), operators: new Set<string>() } as const;
const NO_KINDS: ReadonlyMap<string, Permission> = new Map();

/**
 * What one principal may do, computed once per request from its role grants (see Authz.accessFor) and
 * handed to resolvers, services and loaders. Reads filter by it in SQL; point checks ask it directly with
 * the place of the thing (an operator's provider is operator.provider_id), so no check needs a query.
 */
export class Access {
  private readonly arrays = new Map<Permission, { providers: string[]; operators: string[] }>();

  private constructor(
    readonly principal: Principal | null,
    readonly subject: string | null,
    private readonly grants: ReadonlyMap<Permission, "all" | Held>,
    private readonly readOf: ReadonlyMap<string, Permission>,
  ) {}

  // Neither needs the node kinds' read permissions: the one is refused nothing, the other sees nothing.
  static anonymous(): Access {
    return new Access(null, null, new Map(), NO_KINDS);
  }

  /** Background work of the server itself (run workers, seeds): everything, everywhere. */
  static system(): Access {
    return new Access(
      null,
      null,
      new Map(Object.values(Permission).map((p) => [p, "all" as const])),
      NO_KINDS,
    );
  }

  /** From the permissions held per domain; readOf: the catalogue's read permission of each node kind. */
  static of(
    principal: Principal,
    subject: string,
    held: Iterable<{ domain: Domain; permissions: Iterable<Permission> }>,
    readOf: ReadonlyMap<string, Permission>,
  ): Access {
    const grants = new Map<Permission, "all" | Held>();
    for (const { domain, permissions } of held) {
      for (const p of permissions) {
        let current = grants.get(p);
        if (domain.kind === "installation") grants.set(p, "all");
        if (current === "all" || domain.kind === "installation") continue;
        if (!current) grants.set(p, (current = { providers: new Set(), operators: new Set() }));
        if (domain.kind === "provider") current.providers.add(domain.providerId);
        else current.operators.add(domain.operatorId);
      }
    }
    return new Access(principal, subject, grants, readOf);
  }

  private print: string | undefined;

  /**
   * Equal for two accesses exactly when they hold the same permissions in the same places: what decides
   * every scope condition (for caches of statements built from an access).
   */
  fingerprint(): string {
    this.print ??= JSON.stringify(
      [...this.grants]
        .map(
          ([p, g]) => [p, g === "all" ? "all" : [[...g.providers].sort(), [...g.operators].sort()]] as const,
        )
        .sort((a, b) => (a[0] < b[0] ? -1 : 1)),
    );
    return this.print;
  }

  /** The permission that lets one see an object of the kind (a refused caller seeing it gets FORBIDDEN). */
  readPermissionOf(kind: string): Permission | undefined {
    return this.readOf.get(kind);
  }

  /** Whether the permission is held anywhere at all: the root-field check. */
  holdsAnywhere(p: Permission): boolean {
    const s = this.grants.get(p);
    return s !== undefined && (s === "all" || s.providers.size > 0 || s.operators.size > 0);
  }

  /** Whether the permission is held where the thing belongs: installation-wide, for its provider, or its operator. */
  allows(p: Permission, at: Place): boolean {
    const s = this.grants.get(p);
    if (s === undefined) return false;
    if (s === "all" || s.providers.has(at.providerId)) return true;
    return at.operatorId !== null && s.operators.has(at.operatorId);
  }

  /** Whether the permission is held installation-wide: needed for what belongs to no provider. */
  installationWide(p: Permission): boolean {
    return this.grants.get(p) === "all";
  }

  reach(p: Permission): Reach {
    return this.grants.get(p) ?? NONE;
  }

  /** The permissions held in a domain: where a grant there would apply (its provider known for an operator). */
  permissionsIn(at: Place | "installation"): Set<Permission> {
    const out = new Set<Permission>();
    for (const p of this.grants.keys()) {
      if (at === "installation" ? this.installationWide(p) : this.allows(p, at)) out.add(p);
    }
    return out;
  }

  /** The provider and operator ids of a reach other than "all", as arrays for SQL parameters (built once). */
  ids(p: Permission): { providers: string[]; operators: string[] } {
    let ids = this.arrays.get(p);
    if (!ids) {
      const s = this.reach(p);
      ids =
        s === "all"
          ? { providers: [], operators: [] }
          : { providers: [...s.providers], operators: [...s.operators] };
      this.arrays.set(p, ids);
    }
    return ids;
  }
}
