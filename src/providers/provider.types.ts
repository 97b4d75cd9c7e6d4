import { Field, ID, ObjectType, registerEnumType } from "type-graphql";
import { Permission } from "../authz/permissions.js";
import { Requires } from "../authz/rules.js";
import { toGlobalId } from "../common/global-id.js";
import { Node } from "../api/node.js";
import { JSONObjectScalar } from "../api/scalars.js";
import { ConnectionType } from "../api/connection.js";

export enum ComponentType {
  VIRTUALISATION = "virtualisation",
  DNS = "dns",
  SECRETS = "secrets",
  MAIL = "mail",
  BLOB_STORAGE = "blob-storage",
  BLOCK_STORAGE = "block-storage",
  CONFIGURATION = "configuration",
}
registerEnumType(ComponentType, { name: "ComponentType", description: "What a resource provider provides." });

export enum CoreServiceKind {
  DNS = "dns",
  MAIL = "mail",
  SECRETS = "secrets",
}
registerEnumType(CoreServiceKind, { name: "CoreServiceKind" });

@ObjectType({ implements: Node, simpleResolvers: true })
export class Provider extends Node {
  uuid: string;
  @Field(() => String) slug: string;
  @Field(() => String) name: string;
  @Field(() => String) contactEmail: string;
  @Field(() => JSONObjectScalar, {
    nullable: true,
    description:
      "The provider's bespoke info, valid against providerInfoSchema. Provider staff only (provider-info:read): " +
      "null with a FORBIDDEN error for anyone else.",
  })
  @Requires(Permission.ProviderInfoRead)
  bespokeInfo: object;
  @Field(() => JSONObjectScalar, { description: "JSON Schema of the provider's own bespoke info." })
  providerInfoSchema: object;
  @Field(() => JSONObjectScalar, { description: "JSON Schema of the bespoke info kept per operator." })
  operatorInfoSchema: object;
  @Field(() => Date) createdAt: string;
  @Field(() => Date) updatedAt: string;
}

@ObjectType({
  description: "A component type and its implementation, plugged into NixOps4.",
  simpleResolvers: true,
})
export class ResourceProvider {
  @Field(() => ID) id: string;
  @Field(() => ComponentType) componentType: ComponentType;
  @Field(() => String) implementation: string;
  @Field(() => JSONObjectScalar, { description: "Non-secret settings." }) settings: object;
}

@ObjectType({
  description: "An existing provider system (DNS, mail, secrets) a deployment only registers with.",
  simpleResolvers: true,
})
export class CoreService {
  @Field(() => ID) id: string;
  @Field(() => CoreServiceKind) kind: CoreServiceKind;
  @Field(() => String) name: string;
  @Field(() => String) endpoint: string;
  @Field(() => JSONObjectScalar) settings: object;
}

export const ProviderConnection = ConnectionType(Provider, "Provider");

export function toProvider(row: Record<string, unknown>): Provider {
  const p = row as unknown as Provider;
  p.uuid = p.id;
  p.id = toGlobalId("Provider", p.uuid);
  return p;
}

export function toResourceProvider(row: Record<string, unknown>): ResourceProvider {
  const r = row as unknown as ResourceProvider;
  r.id = toGlobalId("ResourceProvider", r.id);
  return r;
}

export function toCoreService(row: Record<string, unknown>): CoreService {
  const r = row as unknown as CoreService;
  r.id = toGlobalId("CoreService", r.id);
  return r;
}
