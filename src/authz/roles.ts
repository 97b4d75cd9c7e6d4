import type { DomainKind } from "./model.js";
import { Permission } from "./permissions.js";

/** The roles there are; the modules grant them their permissions (FeatureModule.permissions). */
export type RoleName =
  | "platform-admin"
  | "provider-admin"
  | "provider-viewer"
  | "operator-admin"
  | "operator-member"
  | "operator-viewer"
  | "auditor"
  | "config-reader"
  | "backup-agent";

export type Role = { name: RoleName; description: string; domains: readonly DomainKind[] };

// Who a module grants a permission to, for the common cases; a permission names its roles explicitly
// otherwise. A new permission is granted by a decision (and a data migration), never to every role.
/** The roles that change what their provider's operators run: the two admin roles. */
export const PROVIDER_ADMINS = ["platform-admin", "provider-admin"] as const satisfies readonly RoleName[];
/** The roles that configure and apply an operator's deployments. */
export const MEMBERS = [
  ...PROVIDER_ADMINS,
  "operator-admin",
  "operator-member",
] as const satisfies readonly RoleName[];
/** Every role a person holds: each reads an operator's deployments and runs (and signs in). */
export const READERS = [
  ...MEMBERS,
  "provider-viewer",
  "operator-viewer",
  "auditor",
] as const satisfies readonly RoleName[];

/**
 * The roles; their permissions are the modules' grants (src/authz/catalogue.ts). The `p` lines in
 * casbin_rule are what the enforcers use; they are written by data migrations
 * (migrations/*-AuthzRoles*.ts), and test/integration/authz-policy.test.ts fails when they differ from
 * the catalogue: change both together.
 */
export const ROLES: readonly Role[] = [
  {
    name: "platform-admin",
    description:
      "Runs the installation: creates providers, and everything a provider-admin does, at every provider.",
    domains: ["installation"],
  },
  {
    name: "provider-admin",
    description: "Provider staff with every permission of their provider, for every operator of it.",
    domains: ["provider"],
  },
  {
    name: "provider-viewer",
    description:
      "Provider staff who read everything of their provider (provider info and users included) and change nothing.",
    domains: ["provider"],
  },
  {
    name: "operator-admin",
    description:
      "Runs an operator: configures services, applies, reads its accounting, manages its roles and service accounts.",
    domains: ["operator"],
  },
  {
    name: "operator-member",
    description: "Configures an operator's deployments and services and applies them.",
    domains: ["operator"],
  },
  {
    name: "operator-viewer",
    description: "Reads an operator's deployments, configuration and runs.",
    domains: ["operator"],
  },
  {
    name: "auditor",
    description:
      "Reads accounting and everything else of the operator, provider or installation it is granted, changes nothing.",
    domains: ["installation", "provider", "operator"],
  },
  {
    name: "config-reader",
    description:
      "A NixOps4 resource provider: reads deploymentConfig and reports observed state, nothing else.",
    domains: ["provider", "operator"],
  },
  {
    name: "backup-agent",
    description:
      "Provider-side backup tooling: reports snapshots and replica states and reads what to prune, nothing else.",
    domains: ["provider", "operator"],
  },
];

const byName = new Map<string, Role>(ROLES.map((r) => [r.name, r]));

export const roleNamed = (name: string): Role | undefined => byName.get(name);

const WHERE_HELD: Record<DomainKind, string> = {
  installation: "installation-wide",
  provider: "per provider",
  operator: "per operator",
};
const whereHeld = (kind: DomainKind) => WHERE_HELD[kind];

/** Why the role cannot be held in this kind of domain, or null when it can. */
export function roleDomainProblem(role: Role, kind: DomainKind): string | null {
  if (role.domains.includes(kind)) return null;
  return `${role.name} is held ${role.domains.map(whereHeld).join(" or ")}, not ${whereHeld(kind)}`;
}

/** Permissions about one's own sign-in only; holding them changes nothing of the platform. */
export const SELF_PERMISSIONS: ReadonlySet<Permission> = new Set([
  Permission.SelfRead,
  Permission.SelfManage,
]);
