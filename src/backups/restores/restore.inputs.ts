import { Field, ID, InputType } from "type-graphql";
import { BackupRestoreStateValue } from "./restore.types.js";

@InputType({
  description: "Which snapshot to restore: by its GUID, or the newest taken at or before a time.",
})
export class RequestRestoreInput {
  @Field(() => ID) serviceId: string;
  @Field(() => ID, {
    nullable: true,
    description: "The BackupVolume; needed only when several of the service's volumes have such a snapshot.",
  })
  volumeId?: string | null;
  @Field(() => String, { nullable: true, description: "The snapshot's GUID (exclusive with at)." })
  snapshotGuid?: string | null;
  @Field(() => Date, {
    nullable: true,
    description:
      "A point in time: the newest existing snapshot taken at or before it (exclusive with snapshotGuid).",
  })
  at?: string | null;
  @Field(() => String, { nullable: true, description: "Why (at most 1,000 characters)." }) note?:
    string | null;
  @Field(() => String, {
    description:
      "Scoped to the service's deployment: the same key with the same request returns the same restore; " +
      "with another it fails (IDEMPOTENCY_CONFLICT).",
  })
  idempotencyKey: string;
}

@InputType()
export class BackupRestoreFilter {
  @Field(() => ID, { nullable: true }) serviceId?: string | null;
  @Field(() => ID, { nullable: true }) deploymentId?: string | null;
  @Field(() => BackupRestoreStateValue, { nullable: true }) state?: BackupRestoreStateValue | null;
}
