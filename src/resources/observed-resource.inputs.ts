import { Field, ID, InputType, Int } from "type-graphql";
import { JSONObjectScalar } from "../api/scalars.js";
import { ResourceStatusValue } from "./observed-resource.types.js";

@InputType({ description: "One resource as a resource provider found it." })
export class ResourceStateInput {
  @Field(() => String, { description: "Component or resource type, e.g. virtualisation, dns." }) kind: string;
  @Field(() => String, { description: "The nixops4 resource path, e.g. mastodon.vm." }) name: string;
  @Field(() => ResourceStatusValue) status: ResourceStatusValue;
  @Field(() => ID, {
    nullable: true,
    description: "The service it was created for: the id from deployment.json, even of a removed service.",
  })
  serviceId?: string;
  @Field(() => Int, { nullable: true, description: "The configuration generation it reflects." })
  generation?: number;
  @Field(() => JSONObjectScalar, {
    nullable: true,
    description: "Outputs; values under secret-looking keys and private keys are replaced by [redacted].",
  })
  outputs?: Record<string, unknown>;
  @Field(() => Date, { nullable: true, description: "When it was looked at; defaults to now." })
  observedAt?: Date | string;
}
