import { Field, InputType, Int, ObjectType, registerEnumType } from "type-graphql";
import { toGlobalId } from "../common/global-id.js";
import { ConnectionType, SortDirection } from "../api/connection.js";
import { Node } from "../api/node.js";
import { JSONObjectScalar } from "../api/scalars.js";

export enum OperatorStatus {
  ACTIVE = "active",
  SUSPENDED = "suspended",
}
registerEnumType(OperatorStatus, { name: "OperatorStatus" });

export enum OperatorOrderField {
  NAME = "name",
  CREATED_AT = "created_at",
}
registerEnumType(OperatorOrderField, { name: "OperatorOrderField" });

@ObjectType({ description: "Booked storage and compute.", simpleResolvers: true })
export class Quota {
  @Field(() => Int) storageGib: number;
  @Field(() => Int) vcpus: number;
  @Field(() => Int) memoryGib: number;
}

@ObjectType({
  description: "The provider's customer, who runs Fediverse services.",
  implements: Node,
  simpleResolvers: true,
})
export class Operator extends Node {
  uuid: string;
  providerId: string;
  @Field(() => String) slug: string;
  @Field(() => String) name: string;
  @Field(() => String) contactEmail: string;
  @Field(() => String, { description: "The operator's DNS zone, in ASCII (punycode) form." }) dnsZone: string;
  @Field(() => Quota, { description: "Booked quota." }) quota: Quota;
  @Field(() => OperatorStatus) status: OperatorStatus;
  @Field(() => JSONObjectScalar, { description: "Valid against the provider's operatorInfoSchema." })
  bespokeInfo: object;
  @Field(() => Date) createdAt: string;
  @Field(() => Date) updatedAt: string;
}

export const OperatorConnection = ConnectionType(Operator, "Operator");

@InputType()
export class OperatorFilter {
  @Field(() => OperatorStatus, { nullable: true }) status?: OperatorStatus;
  @Field(() => String, { nullable: true, description: "Case-insensitive substring of the name." })
  nameContains?: string;
  @Field(() => String, { nullable: true, description: "Global id of the provider." }) providerId?: string;
}

@InputType()
export class OperatorOrder {
  @Field(() => OperatorOrderField) field: OperatorOrderField;
  @Field(() => SortDirection, { defaultValue: SortDirection.ASC }) direction: SortDirection;
}

export function toOperator(row: Record<string, unknown>): Operator {
  const o = row as unknown as Operator & {
    quotaStorageGib: number;
    quotaVcpus: number;
    quotaMemoryGib: number;
  };
  o.uuid = o.id;
  o.id = toGlobalId("Operator", o.uuid);
  o.quota = { storageGib: o.quotaStorageGib, vcpus: o.quotaVcpus, memoryGib: o.quotaMemoryGib };
  return o;
}
