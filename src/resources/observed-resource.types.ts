import { Field, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { JSONObjectScalar } from "../api/scalars.js";
import type { ResourceStatus } from "./observed-resource.entity.js";

// GraphQL names in capitals, database values in lower case.
export enum ResourceStatusValue {
  HEALTHY = "healthy",
  DEGRADED = "degraded",
  FAILED = "failed",
  MISSING = "missing",
  UNKNOWN = "unknown",
}
registerEnumType(ResourceStatusValue, {
  name: "ResourceStatus",
  valuesConfig: {
    HEALTHY: { description: "Exists and works as configured." },
    DEGRADED: { description: "Exists but does not work fully." },
    FAILED: { description: "Exists and does not work." },
    MISSING: { description: "Should exist but was not found." },
    UNKNOWN: { description: "The provider could not tell." },
  },
});

@ObjectType({
  description: "What a resource provider last reported about one resource.",
  simpleResolvers: true,
})
export class ObservedResource {
  uuid: string;
  deploymentId: string;
  serviceUuid: string | null;
  @Field(() => ID) id: string;
  @Field(() => String, { description: "Component or resource type, e.g. virtualisation, dns." }) kind: string;
  @Field(() => String, { description: "The nixops4 resource path." }) name: string;
  @Field(() => ResourceStatusValue) status: ResourceStatus;
  @Field(() => JSONObjectScalar, { description: "The provider's outputs; secrets are never stored." })
  outputs: object;
  @Field(() => Int, { nullable: true, description: "The configuration generation it reflects, if known." })
  generation: number | null;
  @Field(() => Date, { description: "When the provider looked." }) observedAt: Date;
  @Field(() => Date, { description: "When the report arrived." }) reportedAt: Date;
  @Field(() => ID, { nullable: true, description: "The service it was created for, as reported." })
  serviceId: string | null;
  @Field(() => Boolean, {
    description:
      "Its service was removed from the deployment. nixops4 deletes nothing, so the resource stays until " +
      "someone removes it and the provider stops reporting it.",
  })
  orphaned: boolean;
}

export enum DriftKindValue {
  NOT_OBSERVED = "NOT_OBSERVED",
  MISSING = "MISSING",
  UNHEALTHY = "UNHEALTHY",
  OUTDATED = "OUTDATED",
  ORPHANED = "ORPHANED",
}
registerEnumType(DriftKindValue, {
  name: "DriftKind",
  valuesConfig: {
    NOT_OBSERVED: {
      description: "An enabled service of the deployed configuration has no reported resource.",
    },
    MISSING: { description: "A resource was reported missing." },
    UNHEALTHY: { description: "A resource was reported degraded or failed." },
    OUTDATED: { description: "A resource reflects an older generation than the deployed one." },
    ORPHANED: { description: "A resource of a removed service still exists." },
  },
});

export enum DriftStatusValue {
  IN_SYNC = "IN_SYNC",
  DRIFTED = "DRIFTED",
  UNKNOWN = "UNKNOWN",
}
registerEnumType(DriftStatusValue, {
  name: "DriftStatus",
  valuesConfig: {
    IN_SYNC: { description: "What was observed matches the deployed configuration." },
    DRIFTED: { description: "Observed and deployed differ; see items." },
    UNKNOWN: { description: "No resource provider has reported anything yet." },
  },
});

@ObjectType({ simpleResolvers: true })
export class DriftItem {
  @Field(() => DriftKindValue) kind: DriftKindValue;
  @Field(() => String, { description: "For people." }) message: string;
  @Field(() => ID, { nullable: true, description: "The service concerned, if any." }) serviceId:
    string | null;
  @Field(() => ObservedResource, { nullable: true }) resource: ObservedResource | null;
}

@ObjectType({
  description: "Desired (staged and deployed configuration) next to what resource providers observed.",
  simpleResolvers: true,
})
export class DeploymentDrift {
  @Field(() => DriftStatusValue) status: DriftStatusValue;
  @Field(() => Int) stagedGeneration: number;
  @Field(() => Int, { nullable: true }) deployedGeneration: number | null;
  @Field(() => Boolean, { description: "The staged configuration differs from the deployed one." })
  pendingChanges: boolean;
  @Field(() => Date, { nullable: true, description: "The latest observation of any resource." })
  lastObservedAt: Date | null;
  @Field(() => [DriftItem]) items: DriftItem[];
}
