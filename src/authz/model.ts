import type { Principal } from "../common/principal.js";
import { Permission } from "./permissions.js";

/**
 * Casbin RBAC with domains. Roles hold permissions in every domain alike (p has no domain); subjects
 * hold roles per domain (g). The cheap comparisons come first so most policy lines fail fast.
 */
export const CASBIN_MODEL = `
[request_definition]
r = sub, dom, obj, act

[policy_definition]
p = sub, obj, act

[role_definition]
g = _, _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = r.obj == p.obj && r.act == p.act && g(r.sub, p.sub, r.dom)
`;

/** The domain of provider-wide grants: they apply to every operator and to the provider itself. */
export const PROVIDER_DOMAIN = "provider";

const OPERATOR_PREFIX = "operator:";
const SUBJECT = /^(user|client):[A-Za-z0-9._@|-]{1,200}$/;

export const operatorDomain = (operatorId: string) => `${OPERATOR_PREFIX}${operatorId}`;

/** The operator id of an operator domain, null for the provider domain. */
export function operatorOfDomain(domain: string): string | null {
  return domain.startsWith(OPERATOR_PREFIX) ? domain.slice(OPERATOR_PREFIX.length) : null;
}

/** Casbin's subject for a principal: `user:<id>` or `client:<id>`. */
export const subjectOf = (p: Pick<Principal, "kind" | "id">) => `${p.kind}:${p.id}`;

export const isSubject = (value: string) => SUBJECT.test(value);

/** `deployment:write` → object `deployment`, action `write`. */
export function splitPermission(p: Permission): [object: string, action: string] {
  const i = p.lastIndexOf(":");
  return [p.slice(0, i), p.slice(i + 1)];
}

const byValue = new Map(Object.values(Permission).map((p) => [p as string, p]));

export const toPermission = (value: string): Permission | undefined => byValue.get(value);
