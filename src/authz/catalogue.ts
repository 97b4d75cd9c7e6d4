import { Permission } from "./permissions.js";
import { ROLES, type Role, type RoleName } from "./roles.js";

/** A role with the permissions the modules grant it. */
export type RoleDefinition = Role & { permissions: readonly Permission[] };

/** What a feature module declares about authorization, in its `<feature>.grants.ts`. */
export type ModuleGrants = {
  /**
   * The permissions it owns (names from permissions.ts), each with the roles granted it. A data migration
   * writes the same grants as policy lines (test/integration/authz-policy.test.ts compares them).
   */
  permissions?: Readonly<Partial<Record<Permission, readonly RoleName[]>>>;
  /** Which permission lets a caller see an object of each of its node kinds: seeing it, a refusal is FORBIDDEN. */
  readOf?: Readonly<Record<string, Permission>>;
};

/**
 * Every permission, role and read permission, as the modules declare them. Built by the composition root
 * (src/modules.ts, or src/grants.ts where no module is loaded) and handed to what needs it: authz does not
 * import the module list.
 */
export type RoleCatalogue = {
  permissions: readonly Permission[];
  roles: readonly RoleDefinition[];
  /** Seeing an object of the kind, a caller refused gets FORBIDDEN, not NOT_FOUND. */
  readOf: ReadonlyMap<string, Permission>;
  role(name: string): RoleDefinition | undefined;
};

/**
 * The catalogue of the modules' declarations. Stops the process at start when a permission is owned by
 * no module or by two, or a node kind's read permission is declared twice.
 */
export function buildCatalogue(modules: readonly { name: string; grants?: ModuleGrants }[]): RoleCatalogue {
  const owner = new Map<Permission, string>();
  const grants = new Map<RoleName, Permission[]>();
  const readOf = new Map<string, Permission>();
  for (const m of modules) {
    for (const [permission, roles] of Object.entries(m.grants?.permissions ?? {}) as [
      Permission,
      RoleName[],
    ][]) {
      const other = owner.get(permission);
      if (other) throw new Error(`the permission ${permission} is declared by ${other} and ${m.name}`);
      owner.set(permission, m.name);
      for (const role of roles) grants.set(role, [...(grants.get(role) ?? []), permission]);
    }
    for (const [kind, permission] of Object.entries(m.grants?.readOf ?? {})) {
      if (readOf.has(kind)) throw new Error(`the read permission of ${kind} is declared twice (${m.name})`);
      readOf.set(kind, permission);
    }
  }
  const unowned = Object.values(Permission).filter((p) => !owner.has(p));
  if (unowned.length > 0) throw new Error(`no module declares the permission(s) ${unowned.join(", ")}`);
  const roles = ROLES.map((r) => ({ ...r, permissions: grants.get(r.name) ?? [] }));
  const byName = new Map<string, RoleDefinition>(roles.map((r) => [r.name, r]));
  return { permissions: [...owner.keys()], roles, readOf, role: (name) => byName.get(name) };
}
