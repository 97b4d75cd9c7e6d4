import { Column, Entity, Index } from "typeorm";
import { CreatedAt, UuidPrimary, EMPTY_JSON } from "../db/columns.js";
import { ConflictOn } from "../db/conflicts.js";

@ConflictOn("service_type_slug_key", "slug", "a service type with this slug exists already")
@Entity({ name: "service_type" })
export class ServiceTypeEntity {
  @UuidPrimary() id: string;

  @Index("service_type_slug_key", { unique: true })
  @Column({ type: "text" })
  slug: string;

  @Column({ type: "text" }) name: string;

  @Column({ type: "text", default: "" }) description: string;

  /** Fedi services federate (Mastodon, Pixelfed, PeerTube); plain ones do not. */
  @Column({ type: "boolean", default: false }) federated: boolean;

  @Column({ type: "jsonb", name: "options_schema", default: EMPTY_JSON }) optionsSchema: object;

  /** Which storage kinds the service uses: block (service data) and/or blob (user data). */
  @Column({ type: "text", array: true, name: "storage_kinds", default: () => "'{}'" })
  storageKinds: string[];

  @Column({ type: "integer", name: "default_vcpus", default: 1 }) defaultVcpus: number;
  @Column({ type: "integer", name: "default_memory_gib", default: 1 }) defaultMemoryGib: number;
  @Column({ type: "integer", name: "default_block_storage_gib", default: 0 }) defaultBlockStorageGib: number;
  @Column({ type: "integer", name: "default_blob_storage_gib", default: 0 }) defaultBlobStorageGib: number;

  @CreatedAt() createdAt: Date;
}
