import { Field, ID, ObjectType, registerEnumType } from "type-graphql";
import type { Initiator } from "../../accounting/accounting-event.entity.js";
import { ConnectionType } from "../../api/connection.js";
import { Node } from "../../api/node.js";
import { JSONObjectScalar } from "../../api/scalars.js";
import { toGlobalId } from "../../common/global-id.js";

// GraphQL names in capitals, database values in lower case.
export enum BackupRestoreStateValue {
  REQUESTED = "requested",
  APPROVED = "approved",
  REJECTED = "rejected",
}
registerEnumType(BackupRestoreStateValue, {
  name: "BackupRestoreState",
  valuesConfig: {
    REQUESTED: { description: "Waiting for a provider admin's approval." },
    APPROVED: { description: "Approved: its restore run (`run`) has its own states and log." },
    REJECTED: { description: "Refused by a provider admin (`decisionReason`)." },
  },
});

@ObjectType({
  description:
    "A request to restore one volume of a service to one of its snapshots, its decision and, once " +
    "approved, its restore run.",
  implements: Node,
  simpleResolvers: true,
})
export class BackupRestore extends Node {
  uuid: string;
  seq: string;
  serviceId: string;
  deploymentId: string;
  operatorId: string;
  runId: string | null;
  @Field(() => BackupRestoreStateValue) state: BackupRestoreStateValue;
  @Field(() => ID, { description: "The BackupVolume restored." }) volumeId: string;
  @Field(() => String, { description: "block (a ZFS dataset) or blob (a bucket)." }) volumeKind: string;
  @Field(() => String) volumeName: string;
  @Field(() => String) snapshotGuid: string;
  @Field(() => String) snapshotName: string;
  @Field(() => Date) snapshotTakenAt: Date;
  @Field(() => String, { description: "Bytes, as the backup agent reported (a 64-bit integer as text)." })
  snapshotSizeBytes: string;
  @Field(() => Date, {
    nullable: true,
    description: "The point in time asked for, when the snapshot was chosen by time.",
  })
  pointInTime: Date | null;
  @Field(() => String, { nullable: true, description: "The requester's words." }) note: string | null;
  @Field(() => JSONObjectScalar, { description: "Who asked for the restore." }) requestedBy: Initiator;
  @Field(() => Date) requestedAt: Date;
  @Field(() => String, { nullable: true }) requestId: string | null;
  @Field(() => JSONObjectScalar, { nullable: true, description: "Who approved or rejected it." })
  decidedBy: Initiator | null;
  @Field(() => Date, { nullable: true }) decidedAt: Date | null;
  @Field(() => String, { nullable: true, description: "Why it was rejected." }) decisionReason: string | null;
}

export const BackupRestoreConnection = ConnectionType(BackupRestore, "BackupRestore");

export function toBackupRestore(row: Record<string, unknown>): BackupRestore {
  const r = row as unknown as BackupRestore;
  r.uuid = r.id;
  r.id = toGlobalId("BackupRestore", r.uuid);
  r.volumeId = toGlobalId("BackupVolume", r.volumeId);
  return r;
}
