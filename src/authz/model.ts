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

/**
 * Where a grant applies: the whole installation (every provider, and providers yet to come), one
 * provider (its own data and every operator of it), or one operator.
 */
export type Domain =
  | { kind: "installation" }
  | { kind: "provider"; providerId: string }
  | { kind: "operator"; operatorId: string };

export type DomainKind = Domain["kind"];

/** The installation domain's Casbin name. */
export const INSTALLATION_DOMAIN = "installation";
export const INSTALLATION: Domain = { kind: "installation" };

const PROVIDER_PREFIX = "provider:";
const OPERATOR_PREFIX = "operator:";
const SUBJECT = /^(user|client):[A-Za-z0-9._@|-]{1,200}$/;

export const providerDomain = (providerId: string) => `${PROVIDER_PREFIX}${providerId}`;
export const operatorDomain = (operatorId: string) => `${OPERATOR_PREFIX}${operatorId}`;

/** The Casbin name of a domain: `installation`, `provider:<uuid>` or `operator:<uuid>`. */
export function domainName(d: Domain): string {
  if (d.kind === "installation") return INSTALLATION_DOMAIN;
  return d.kind === "provider" ? providerDomain(d.providerId) : operatorDomain(d.operatorId);
}

/** The domain a Casbin name stands for; null for anything else (which grants nothing). */
export function parseDomain(name: string): Domain | null {
  if (name === INSTALLATION_DOMAIN) return INSTALLATION;
  if (name.startsWith(PROVIDER_PREFIX) && name.length > PROVIDER_PREFIX.length)
    return { kind: "provider", providerId: name.slice(PROVIDER_PREFIX.length) };
  if (name.startsWith(OPERATOR_PREFIX) && name.length > OPERATOR_PREFIX.length)
    return { kind: "operator", operatorId: name.slice(OPERATOR_PREFIX.length) };
  return null;
}

/** The operator id of an operator domain, null for any other. */
export function operatorOfDomain(domain: string): string | null {
  const d = parseDomain(domain);
  return d?.kind === "operator" ? d.operatorId : null;
}

/** The provider id of a provider domain, null for any other. */
export function providerOfDomain(domain: string): string | null {
  const d = parseDomain(domain);
  return d?.kind === "provider" ? d.providerId : null;
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
