import { Field, ID, InputType, Int } from "type-graphql";
import { JSONObjectScalar } from "../api/scalars.js";

@InputType()
export class CreateDeploymentInput {
  @Field(() => ID) operatorId: string;
  @Field(() => String) name: string;
}

@InputType()
export class AddServiceInput {
  @Field(() => ID) deploymentId: string;
  @Field(() => String, { description: "Slug of the service type, e.g. mastodon." }) serviceType: string;
  @Field(() => String, { description: "Inside the operator's DNS zone; IDN allowed." }) domain: string;
  @Field(() => Boolean, { defaultValue: true }) enabled: boolean;
  @Field(() => JSONObjectScalar, { nullable: true }) options?: Record<string, unknown>;
  @Field(() => Int, { nullable: true, description: "Defaults to the service type's." })
  blockStorageGib?: number;
  @Field(() => Int, { nullable: true, description: "Defaults to the service type's." })
  blobStorageGib?: number;
  @Field(() => Int, { nullable: true, description: "Defaults to the service type's." }) vcpus?: number;
  @Field(() => Int, { nullable: true, description: "Defaults to the service type's." }) memoryGib?: number;
}

@InputType()
export class ConfigureServiceInput {
  @Field(() => String, { nullable: true }) domain?: string;
  @Field(() => JSONObjectScalar, { nullable: true, description: "Replaces the options as a whole." })
  options?: Record<string, unknown>;
  @Field(() => Int, { nullable: true }) blockStorageGib?: number;
  @Field(() => Int, { nullable: true }) blobStorageGib?: number;
  @Field(() => Int, { nullable: true }) vcpus?: number;
  @Field(() => Int, { nullable: true }) memoryGib?: number;
}
