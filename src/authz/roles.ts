import { Permission as P } from "./permissions.js";

import type { DomainKind } from "./model.js";

export type RoleDefinition = {
  name: string;
  description: string;
  domains: readonly DomainKind[];
  permissions: readonly P[];
};

/** One's own sign-in (who am I, one's second factor): every role a person holds has these. */
const SELF = [P.SelfRead, P.SelfManage] as const;
const OPERATOR_VIEW = [
  ...SELF,
  P.OperatorRead,
  P.DeploymentRead,
  P.ConfigRead,
  P.RunRead,
  P.CatalogRead,
  P.ProviderRead,
  P.PolicyRead,
  P.NetboxRead,
] as const;
const OPERATOR_WORK = [...OPERATOR_VIEW, P.DeploymentWrite, P.RunApply, P.RunCancel] as const;
// Listed, not Object.values(P): a new permission is granted by a decision (and a data migration).
const PROVIDER_ADMIN = [
  ...OPERATOR_WORK,
  P.ProviderManage,
  P.ProviderInfoRead,
  P.OperatorCreate,
  P.OperatorUpdate,
  P.OperatorSuspend,
  P.QuotaSet,
  P.AccountingRead,
  P.AccountingCheckpoint,
  P.NetboxSync,
  P.NetboxManage,
  P.StateReport,
  P.PolicyManage,
  P.UserRead,
  P.UserManage,
  P.SessionRevoke,
  P.ClientRead,
  P.ClientManage,
] as const;

/**
 * The roles and their permissions. The `p` lines in casbin_rule are what the enforcers use; they are
 * written by data migrations (migrations/*-AuthzRoles*.ts), and test/integration/authz-policy.test.ts
 * fails when they differ from this list: change both together.
 */
export const ROLES: readonly RoleDefinition[] = [
  {
    name: "platform-admin",
    description:
      "Runs the installation: creates providers, and everything a provider-admin does, at every provider.",
    domains: ["installation"],
    permissions: [...PROVIDER_ADMIN, P.ProviderCreate],
  },
  {
    name: "provider-admin",
    description: "Provider staff with every permission of their provider, for every operator of it.",
    domains: ["provider"],
    permissions: PROVIDER_ADMIN,
  },
  {
    name: "provider-viewer",
    description:
      "Provider staff who read everything of their provider (provider info and users included) and change nothing.",
    domains: ["provider"],
    permissions: [...OPERATOR_VIEW, P.ProviderInfoRead, P.UserRead, P.ClientRead],
  },
  {
    name: "operator-admin",
    description:
      "Runs an operator: configures services, applies, reads its accounting, manages its roles and service accounts.",
    domains: ["operator"],
    // client:* in its own domain: service accounts for the operator's scripts. Not state:report, so not the
    // config-reader of a NixOps4 resource provider: those run at the provider and are the provider's.
    permissions: [...OPERATOR_WORK, P.AccountingRead, P.PolicyManage, P.ClientRead, P.ClientManage],
  },
  {
    name: "operator-member",
    description: "Configures an operator's deployments and services and applies them.",
    domains: ["operator"],
    permissions: OPERATOR_WORK,
  },
  {
    name: "operator-viewer",
    description: "Reads an operator's deployments, configuration and runs.",
    domains: ["operator"],
    permissions: OPERATOR_VIEW,
  },
  {
    name: "auditor",
    description:
      "Reads accounting and everything else of the operator, provider or installation it is granted, changes nothing.",
    domains: ["installation", "provider", "operator"],
    permissions: [...OPERATOR_VIEW, P.AccountingRead],
  },
  {
    name: "config-reader",
    description:
      "A NixOps4 resource provider: reads deploymentConfig and reports observed state, nothing else.",
    domains: ["provider", "operator"],
    permissions: [P.ConfigRead, P.StateReport],
  },
];

const byName = new Map(ROLES.map((r) => [r.name, r]));

export const roleNamed = (name: string): RoleDefinition | undefined => byName.get(name);

const WHERE_HELD: Record<DomainKind, string> = {
  installation: "installation-wide",
  provider: "per provider",
  operator: "per operator",
};
const whereHeld = (kind: DomainKind) => WHERE_HELD[kind];

/** Why the role cannot be held in this kind of domain, or null when it can. */
export function roleDomainProblem(role: RoleDefinition, kind: DomainKind): string | null {
  if (role.domains.includes(kind)) return null;
  return `${role.name} is held ${role.domains.map(whereHeld).join(" or ")}, not ${whereHeld(kind)}`;
}

/** Permissions about one's own sign-in only; holding them changes nothing of the platform. */
export const SELF_PERMISSIONS: ReadonlySet<P> = new Set(SELF);
