import { type Enforcer, newEnforcer, newModelFromString } from "casbin";
import { LRUCache } from "lru-cache";
import type { DataSource } from "typeorm";
import { dbOf } from "../db/db.js";
import { CASBIN_MODEL, splitPermission, toPermission } from "./model.js";
import type { Permission } from "./permissions.js";
import { type DomainFilter, PolicyAdapter } from "./policy-adapter.js";
import type { PolicyCaches } from "./watcher.js";

/**
 * What one domain's Casbin enforcer decides, read out of it once: each subject's roles there (from Casbin's
 * role manager) and each role's permissions (from the `p` lines). Casbin's matcher walks every policy line
 * per call (about 0.2 ms here) and a whole enforcer takes some 80 KiB, so the enforcer is dropped after
 * loading and a check is two lookups. test/unit/authz-enforcer.test.ts holds the two to the same answers.
 */
export class DomainEnforcer {
  private constructor(
    readonly domain: string,
    private readonly held: ReadonlyMap<string, ReadonlySet<Permission>>,
    readonly rolePermissions: RolePermissions,
  ) {}

  /** `shared`: role permissions read before; reused when equal, so thousands of domains keep one copy. */
  static async of(domain: string, enforcer: Enforcer, shared?: RolePermissions): Promise<DomainEnforcer> {
    const lines = await enforcer.getPolicy();
    const key = lines.map((l) => l.join(",")).join(";");
    const roles = shared?.key === key ? shared : rolePermissionsOf(lines, key);
    const held = new Map<string, ReadonlySet<Permission>>();
    for (const [subject] of await enforcer.getFilteredGroupingPolicy(2, domain)) {
      if (!subject || held.has(subject)) continue;
      const theirs = await enforcer.getImplicitRolesForUser(subject, domain);
      // One role (the usual case): its own set, shared; several: their union.
      if (theirs.length === 1) held.set(subject, roles.get(theirs[0]!) ?? NONE);
      else held.set(subject, new Set(theirs.flatMap((r) => [...(roles.get(r) ?? [])])));
    }
    return new DomainEnforcer(domain, held, roles);
  }

  check(subject: string, permission: Permission): boolean {
    return this.held.get(subject)?.has(permission) ?? false;
  }

  permissionsOf(subject: string): ReadonlySet<Permission> {
    return this.held.get(subject) ?? NONE;
  }

  /** Whether the subject holds any role here, as far as this enforcer was told. */
  knows(subject: string): boolean {
    return this.held.has(subject);
  }
}

/** Each role's permissions, from the `p` lines; key identifies the lines they came from. */
export type RolePermissions = ReadonlyMap<string, ReadonlySet<Permission>> & { key: string };

function rolePermissionsOf(lines: string[][], key: string): RolePermissions {
  const roles = new Map<string, Set<Permission>>();
  for (const [role, obj, act] of lines) {
    const p = toPermission(`${obj}:${act}`);
    if (!role || !p) continue;
    let set = roles.get(role);
    if (!set) roles.set(role, (set = new Set()));
    set.add(p);
  }
  return Object.assign(roles, { key });
}

/** Casbin's own answer with the policy line that allowed it (empty when denied): for explanations. */
export function explainWith(enforcer: Enforcer, domain: string, subject: string, permission: Permission) {
  return enforcer.enforceExSync(subject, domain, ...splitPermission(permission));
}

const NONE: ReadonlySet<Permission> = new Set();

/**
 * Per-domain enforcers, each loaded with only its own grants (filtered loading), least recently used
 * ones dropped. A policy change anywhere calls invalidate(domain), in every process (see watcher.ts).
 */
export class EnforcerCache implements PolicyCaches {
  private readonly cache: LRUCache<string, Promise<DomainEnforcer>>;
  private readonly adapter: PolicyAdapter;
  private roles: RolePermissions | undefined;

  constructor(ds: DataSource, max: number) {
    this.cache = new LRUCache({ max });
    this.adapter = new PolicyAdapter(dbOf(ds));
  }

  get(domain: string): Promise<DomainEnforcer> {
    let entry = this.cache.get(domain);
    if (!entry) {
      entry = this.load(domain);
      // Cached before it resolves, so concurrent checks share one load and invalidate() can drop it.
      this.cache.set(domain, entry);
      entry.catch(() => {
        if (this.cache.peek(domain) === entry) this.cache.delete(domain);
      });
    }
    return entry;
  }

  /** Whether the domain's enforcer is loaded or loading. */
  has(domain: string): boolean {
    return this.cache.has(domain);
  }

  invalidate(domain: string): void {
    this.cache.delete(domain);
  }

  clear(): void {
    this.cache.clear();
  }

  get size(): number {
    return this.cache.size;
  }

  /** A Casbin enforcer of the domain, freshly loaded (its lines only): what explanations ask. */
  async casbin(domain: string): Promise<Enforcer> {
    const enforcer = await newEnforcer(newModelFromString(CASBIN_MODEL));
    enforcer.setAdapter(this.adapter);
    await enforcer.loadFilteredPolicy({ domain } satisfies DomainFilter);
    return enforcer;
  }

  private async load(domain: string): Promise<DomainEnforcer> {
    const e = await DomainEnforcer.of(domain, await this.casbin(domain), this.roles);
    this.roles = e.rolePermissions;
    return e;
  }
}
