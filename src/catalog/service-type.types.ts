import { Field, Int, ObjectType, registerEnumType } from "type-graphql";
import { toGlobalId } from "../common/global-id.js";
import { ConnectionType } from "../api/connection.js";
import { Node } from "../api/node.js";
import { JSONObjectScalar } from "../api/scalars.js";
import { customizedFields } from "./reference-merge.js";
import type { ServiceTypeValues } from "./service-type.entity.js";

export enum StorageKind {
  BLOCK = "block",
  BLOB = "blob",
}
registerEnumType(StorageKind, {
  name: "StorageKind",
  valuesConfig: {
    BLOCK: { description: "Block storage (ZFS) for service data; snapshots are pulled provider-side." },
    BLOB: { description: "Blob storage (Garage) for user data." },
  },
});

@ObjectType({ description: "What a service needs when nothing else is said.", simpleResolvers: true })
export class ResourceNeeds {
  @Field(() => Int) vcpus: number;
  @Field(() => Int) memoryGib: number;
  @Field(() => Int) blockStorageGib: number;
  @Field(() => Int) blobStorageGib: number;
}

@ObjectType({
  description: "An entry of a provider's service catalog.",
  implements: Node,
  simpleResolvers: true,
})
export class ServiceType extends Node {
  uuid: string;
  providerId: string;
  @Field(() => String, { description: "Unique in the provider's catalog; the `type` in deploymentConfig." })
  slug: string;
  @Field(() => String) name: string;
  @Field(() => String) description: string;
  @Field(() => Boolean, { description: "A fedi service federates (Mastodon, Pixelfed, PeerTube)." })
  federated: boolean;
  @Field(() => JSONObjectScalar, { description: "JSON Schema of the service's options." })
  optionsSchema: object;
  @Field(() => [StorageKind]) storageKinds: StorageKind[];
  @Field(() => ResourceNeeds) defaultResources: ResourceNeeds;
  @Field(() => Boolean, {
    description: "The provider's own type; false: installed from the reference catalog, which upgrades it.",
  })
  bespoke: boolean;
  @Field(() => [String], {
    description:
      "Fields of a reference type the provider changed: kept as they are when a release upgrades the reference.",
  })
  customizedFields: string[];
  @Field(() => Date, {
    nullable: true,
    description: "Since when it is retired: no new services of it; existing ones keep working.",
  })
  retiredAt: string | null;
}

export const ServiceTypeConnection = ConnectionType(ServiceType, "ServiceType");

export function toServiceType(row: Record<string, unknown>): ServiceType {
  const t = row as unknown as ServiceType & ServiceTypeValues & { reference: ServiceTypeValues | null };
  t.uuid = t.id;
  t.bespoke = t.reference === null;
  t.customizedFields = customizedFields(t, t.reference);
  t.id = toGlobalId("ServiceType", t.uuid);
  t.defaultResources = {
    vcpus: t.defaultVcpus,
    memoryGib: t.defaultMemoryGib,
    blockStorageGib: t.defaultBlockStorageGib,
    blobStorageGib: t.defaultBlobStorageGib,
  };
  return t;
}
