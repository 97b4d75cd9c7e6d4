import { Field, ObjectType, registerEnumType } from "type-graphql";
import { ConnectionType } from "../api/connection.js";
import { operatorOfDomain, parseDomain, providerOfDomain } from "./model.js";
import type { AssignmentRow } from "./policy-store.js";

export enum DomainKindValue {
  INSTALLATION = "installation",
  PROVIDER = "provider",
  OPERATOR = "operator",
}
registerEnumType(DomainKindValue, {
  name: "DomainKind",
  valuesConfig: {
    INSTALLATION: { description: "The whole installation: every provider, and creating providers." },
    PROVIDER: { description: "One provider: its own data and every operator of it." },
    OPERATOR: { description: "One operator." },
  },
});

/** The GraphQL kind of a Casbin domain name (installation for anything unknown, which grants nothing). */
export const domainKindOf = (domain: string): DomainKindValue =>
  (parseDomain(domain)?.kind as DomainKindValue | undefined) ?? DomainKindValue.INSTALLATION;

@ObjectType({
  description: "A named bundle of permissions, granted to subjects per domain.",
  simpleResolvers: true,
})
export class Role {
  @Field(() => String) name: string;
  @Field(() => String) description: string;
  @Field(() => [DomainKindValue], { description: "Where the role may be granted." })
  domains: DomainKindValue[];
  @Field(() => [String], { description: "Permissions such as deployment:write, sorted." })
  permissions: string[];
}

@ObjectType({ description: "A role held by a subject in one domain.", simpleResolvers: true })
export class RoleAssignment {
  seq: string;
  roleName: string;
  operatorId: string | null;
  providerId: string | null;
  @Field(() => String, { description: "user:<id> or client:<id>." }) subject: string;
  @Field(() => String, {
    description: "Casbin's domain: installation, provider:<uuid> or operator:<uuid>.",
  })
  domain: string;
  @Field(() => DomainKindValue, { description: "Where the grant applies." }) domainKind: DomainKindValue;
  @Field(() => Date) grantedAt: string;
}

@ObjectType({
  description: "Whether a subject holds a permission, and which grant decided it.",
  simpleResolvers: true,
})
export class AccessExplanation {
  operatorId: string | null;
  providerId: string | null;
  @Field(() => Boolean) allowed: boolean;
  @Field(() => String) subject: string;
  @Field(() => String) permission: string;
  @Field(() => String, { nullable: true, description: "The domain of the deciding grant." }) domain:
    string | null;
  @Field(() => String, { nullable: true, description: "The role that carries the permission." })
  role: string | null;
  @Field(() => String, { nullable: true, description: "The grant: g, <subject>, <role>, <domain>." })
  grant: string | null;
  @Field(() => String, {
    nullable: true,
    description: "The role's policy line: p, <role>, <object>, <action>.",
  })
  rule: string | null;
  @Field(() => String, { description: "The decision in words." }) reason: string;
}

export const RoleAssignmentConnection = ConnectionType(RoleAssignment, "RoleAssignment");

export function toRoleAssignment(row: Record<string, unknown>): RoleAssignment {
  const r = row as unknown as AssignmentRow;
  return {
    seq: r.id,
    roleName: r.role,
    operatorId: operatorOfDomain(r.domain),
    providerId: providerOfDomain(r.domain),
    subject: r.subject,
    domain: r.domain,
    domainKind: domainKindOf(r.domain),
    grantedAt: r.grantedAt,
  };
}
