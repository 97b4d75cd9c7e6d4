import { Field, Float, Int, ObjectType, registerEnumType } from "type-graphql";

export enum CapacityResource {
  VCPUS = "vcpus",
  MEMORY = "memory",
  BLOCK = "block",
  BLOB = "blob",
}
registerEnumType(CapacityResource, {
  name: "CapacityResource",
  description: "A resource capacity is counted in: vCPUs, memory (GiB), block and blob storage (GiB).",
});

@ObjectType({ description: "What NetBox says one cluster of the pool has: the sum of its active hosts." })
export class ClusterCapacity {
  @Field(() => Int, { description: "The cluster's NetBox id." }) netboxId: number;
  @Field(() => String) name: string;
  @Field(() => String, { nullable: true }) status: string | null;
  @Field(() => Int, { nullable: true, description: "NetBox id of the site the cluster is scoped to." })
  siteId: number | null;
  @Field(() => Int, { description: "Active devices of the cluster (its hosts)." }) hosts: number;
  @Field(() => Float) vcpus: number;
  @Field(() => Float) memoryGib: number;
  @Field(() => Float) blockGib: number;
  @Field(() => Float) blobGib: number;
}

@ObjectType({
  description: "One resource of the pool: what the operators booked against what NetBox says it has.",
})
export class CapacityLine {
  @Field(() => CapacityResource) resource: CapacityResource;
  @Field(() => Float, { description: "Booked by the provider's operators (GiB for memory and storage)." })
  booked: number;
  @Field(() => Float, { description: "What the pool's clusters have, per NetBox." }) available: number;
  @Field(() => Float, {
    nullable: true,
    description: "booked / available; null when nothing is available (then any booking over-commits).",
  })
  ratio: number | null;
  @Field(() => Boolean, { description: "More is booked than is available." }) overCommitted: boolean;
}

@ObjectType({
  description:
    "A provider's capacity: the operators' bookings against the clusters its deployments are placed on " +
    "(the NetBox clusters its virtualisation resource providers name, else all of its mirrored clusters).",
})
export class Capacity {
  @Field(() => [CapacityLine], { description: "vCPUs, memory, block and blob storage, in that order." })
  resources: CapacityLine[];
  @Field(() => [ClusterCapacity], { description: "The pool's clusters, by name." })
  clusters: ClusterCapacity[];
  @Field(() => [String], {
    description: "Clusters the resource providers name that the NetBox mirror does not hold (not synced?).",
  })
  missingClusters: string[];
  @Field(() => Int, { description: "Operators of the provider, whose bookings are counted." })
  operators: number;
  @Field(() => Boolean, { description: "Some resource is over-committed." }) overCommitted: boolean;
}
