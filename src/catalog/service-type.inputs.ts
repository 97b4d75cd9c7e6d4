import { Field, ID, InputType, Int } from "type-graphql";
import { JSONObjectScalar } from "../api/scalars.js";
import { StorageKind } from "./service-type.types.js";

@InputType({ description: "What a service of the type gets when addService says nothing else." })
export class DefaultResourcesInput {
  @Field(() => Int, { nullable: true }) vcpus?: number;
  @Field(() => Int, { nullable: true }) memoryGib?: number;
  @Field(() => Int, { nullable: true }) blockStorageGib?: number;
  @Field(() => Int, { nullable: true }) blobStorageGib?: number;
}

/** The fields a provider sets on a type, on creation and on update alike (not in the schema by itself). */
@InputType()
abstract class ServiceTypeFields {
  @Field(() => String, { nullable: true }) description?: string;
  @Field(() => Boolean, { nullable: true, description: "A fedi service federates; a plain one does not." })
  federated?: boolean;
  @Field(() => [StorageKind], { nullable: true }) storageKinds?: StorageKind[];
  @Field(() => DefaultResourcesInput, { nullable: true }) defaultResources?: DefaultResourcesInput;
  @Field(() => JSONObjectScalar, {
    nullable: true,
    description: "JSON Schema of the services' options (within the limits of README Input).",
  })
  optionsSchema?: Record<string, unknown>;
}

@InputType()
export class CreateServiceTypeInput extends ServiceTypeFields {
  @Field(() => ID, { description: "Global id of the provider whose catalog gets it." }) providerId: string;
  @Field(() => String, { description: "Unique in the provider's catalog, e.g. nextcloud." }) slug: string;
  @Field(() => String) name: string;
}

@InputType()
export class UpdateServiceTypeInput extends ServiceTypeFields {
  @Field(() => String, { nullable: true }) name?: string;
}
