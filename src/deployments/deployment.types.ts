import { Field, Int, ObjectType, registerEnumType } from "type-graphql";
import { toGlobalId } from "../common/global-id.js";
import { ConnectionType } from "../api/connection.js";
import { Node } from "../api/node.js";
import { JSONObjectScalar } from "../api/scalars.js";

export enum ConfigurationKind {
  STAGED = "STAGED",
  DEPLOYED = "DEPLOYED",
}
registerEnumType(ConfigurationKind, {
  name: "ConfigurationKind",
  valuesConfig: {
    STAGED: { description: "What the operator asked for." },
    DEPLOYED: { description: "What the last successful run applied." },
  },
});

@ObjectType({
  description: "A set of services deployed together by one NixOps4 deployment.",
  implements: Node,
  simpleResolvers: true,
})
export class Deployment extends Node {
  uuid: string;
  operatorId: string;
  @Field(() => String) name: string;
  @Field(() => Int, { description: "Bumped by every change to the staged configuration." })
  stagedGeneration: number;
  @Field(() => Int, { nullable: true, description: "The generation the last successful run applied." })
  deployedGeneration: number | null;
  @Field(() => Date, { nullable: true }) deployedAt: string | null;
  @Field(() => Date) createdAt: string;
  @Field(() => Date) updatedAt: string;
}

@ObjectType({ description: "A NixOS service inside a deployment.", implements: Node, simpleResolvers: true })
export class Service extends Node {
  uuid: string;
  deploymentId: string;
  serviceTypeId: string;
  @Field(() => Boolean) enabled: boolean;
  @Field(() => String, { description: "ASCII (punycode) form, inside the operator's DNS zone." })
  domain: string;
  @Field(() => JSONObjectScalar, { description: "Valid against the service type's optionsSchema." })
  options: object;
  @Field(() => Int) blockStorageGib: number;
  @Field(() => Int) blobStorageGib: number;
  @Field(() => Int) vcpus: number;
  @Field(() => Int) memoryGib: number;
  @Field(() => Date) createdAt: string;
  @Field(() => Date) updatedAt: string;
}

export const DeploymentConnection = ConnectionType(Deployment, "Deployment");
export const ServiceConnection = ConnectionType(Service, "Service");

export function toDeployment(row: Record<string, unknown>): Deployment {
  const d = row as unknown as Deployment;
  d.uuid = d.id;
  d.id = toGlobalId("Deployment", d.uuid);
  return d;
}

export function toService(row: Record<string, unknown>): Service {
  const s = row as unknown as Service;
  s.uuid = s.id;
  s.id = toGlobalId("Service", s.uuid);
  return s;
}
