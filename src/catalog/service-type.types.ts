import { Field, Int, ObjectType, registerEnumType } from "type-graphql";
import { toGlobalId } from "../common/global-id.js";
import { ConnectionType } from "../api/connection.js";
import { Node } from "../api/node.js";
import { JSONObjectScalar } from "../api/scalars.js";

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

@ObjectType({ description: "An entry of the service catalog.", implements: Node, simpleResolvers: true })
export class ServiceType extends Node {
  uuid: string;
  @Field(() => String) slug: string;
  @Field(() => String) name: string;
  @Field(() => String) description: string;
  @Field(() => Boolean, { description: "A fedi service federates (Mastodon, Pixelfed, PeerTube)." })
  federated: boolean;
  @Field(() => JSONObjectScalar, { description: "JSON Schema of the service's options." })
  optionsSchema: object;
  @Field(() => [StorageKind]) storageKinds: StorageKind[];
  @Field(() => ResourceNeeds) defaultResources: ResourceNeeds;
}

export const ServiceTypeConnection = ConnectionType(ServiceType, "ServiceType");

export function toServiceType(row: Record<string, unknown>): ServiceType {
  const t = row as unknown as ServiceType & {
    defaultVcpus: number;
    defaultMemoryGib: number;
    defaultBlockStorageGib: number;
    defaultBlobStorageGib: number;
  };
  t.uuid = t.id;
  t.id = toGlobalId("ServiceType", t.uuid);
  t.defaultResources = {
    vcpus: t.defaultVcpus,
    memoryGib: t.defaultMemoryGib,
    blockStorageGib: t.defaultBlockStorageGib,
    blobStorageGib: t.defaultBlobStorageGib,
  };
  return t;
}
