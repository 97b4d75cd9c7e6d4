import { Field, Float, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { Node } from "../api/node.js";
import type { KeepRule } from "./keep-rules.js";

@ObjectType("KeepRules", {
  description: "How many snapshots each keep-rule keeps (0: the rule keeps none).",
  simpleResolvers: true,
})
export class KeepRulesType {
  @Field(() => Int, { description: "The newest n." }) last: number;
  @Field(() => Int, { description: "The newest of each of the last n hours having one." }) hourly: number;
  @Field(() => Int, { description: "... days." }) daily: number;
  @Field(() => Int, { description: "... ISO weeks." }) weekly: number;
  @Field(() => Int, { description: "... months." }) monthly: number;
  @Field(() => Int, { description: "... years." }) yearly: number;
}

export enum PolicySourceValue {
  SERVICE = "SERVICE",
  PROVIDER_DEFAULT = "PROVIDER_DEFAULT",
}
registerEnumType(PolicySourceValue, {
  name: "BackupPolicySource",
  valuesConfig: {
    SERVICE: { description: "Set for the service by its operator." },
    PROVIDER_DEFAULT: { description: "The provider's default for the service type." },
  },
});

@ObjectType("ServiceBackupPolicy", {
  description: "When a service is backed up and which snapshots are kept.",
  simpleResolvers: true,
})
export class BackupPolicy {
  @Field(() => Boolean, { description: "False: the operator turned backups of the service off." })
  enabled: boolean;
  @Field(() => String, { description: "Cron expression (five fields, UTC)." }) schedule: string;
  @Field(() => KeepRulesType) keep: KeepRulesType;
  @Field(() => PolicySourceValue) source: PolicySourceValue;
  @Field(() => KeepRulesType, { description: "The provider's minimums for the service type." })
  minimum: KeepRulesType;
}

@ObjectType({
  description: "A provider's backup default and minimums for one service type.",
  simpleResolvers: true,
})
export class BackupDefault {
  @Field(() => ID) providerId: string;
  @Field(() => String, { description: "The service type's slug." }) serviceType: string;
  @Field(() => String) schedule: string;
  @Field(() => KeepRulesType) keep: KeepRulesType;
  @Field(() => KeepRulesType) minimum: KeepRulesType;
}

export enum TargetKindValue {
  ZFS_PULL = "zfs-pull",
  S3_REPLICA = "s3-replica",
}
registerEnumType(TargetKindValue, {
  name: "BackupTargetKind",
  valuesConfig: {
    ZFS_PULL: { description: "A host pulling ZFS snapshots of block volumes (send/receive)." },
    S3_REPLICA: { description: "An S3-compatible service blob buckets are replicated to." },
  },
});

@ObjectType({ description: "Where a provider's backups go.", implements: Node, simpleResolvers: true })
export class BackupTarget extends Node {
  uuid: string;
  providerId: string;
  @Field(() => String) name: string;
  @Field(() => TargetKindValue) kind: TargetKindValue;
  @Field(() => String) endpoint: string;
  @Field(() => String, { description: "Receiving dataset prefix, or bucket." }) location: string;
  @Field(() => String, { nullable: true, description: "The name of the secret holding its credentials." })
  secretRef: string | null;
  @Field(() => String, { nullable: true, description: "The host as NetBox names it." }) host: string | null;
}

export enum VolumeKindValue {
  BLOCK = "block",
  BLOB = "blob",
}
registerEnumType(VolumeKindValue, {
  name: "BackupVolumeKind",
  valuesConfig: {
    BLOCK: { description: "Service data on block storage: a ZFS dataset." },
    BLOB: { description: "User data in blob storage: a Garage bucket." },
  },
});

@ObjectType({ description: "A protected volume of a service.", implements: Node, simpleResolvers: true })
export class BackupVolume extends Node {
  uuid: string;
  serviceId: string;
  operatorId: string;
  providerId: string;
  @Field(() => VolumeKindValue) kind: VolumeKindValue;
  @Field(() => String, { description: "The ZFS dataset or the bucket." }) name: string;
  @Field(() => String, { nullable: true, description: "The host holding it, as NetBox names it." }) host:
    string | null;
  @Field(() => Date, { nullable: true, description: "Taken-at of its newest live snapshot; null: none." })
  lastSnapshotAt: Date | null;
}

@ObjectType({ description: "A snapshot of a volume as the backup agent reported it.", simpleResolvers: true })
export class BackupSnapshot {
  @Field(() => String) guid: string;
  @Field(() => String) name: string;
  @Field(() => Date) takenAt: Date;
  @Field(() => Float, { description: "Bytes." }) sizeBytes: number;
  @Field(() => [String], { description: "Where copies are held: source and backup target names." })
  heldAt: string[];
  @Field(() => Date, { nullable: true, description: "When it was seen destroyed (pruned)." })
  destroyedAt: Date | null;
  @Field(() => Date, { description: "When the agent looked." }) observedAt: Date;
}

@ObjectType({ description: "How far a volume's copy at one target is.", simpleResolvers: true })
export class BackupReplica {
  @Field(() => String, { description: "The target's name." }) target: string;
  @Field(() => String, { nullable: true, description: "in-sync, lagging or failed; null: never reported." })
  state: string | null;
  @Field(() => Date, { nullable: true, description: "Taken-at of the newest snapshot it holds complete." })
  syncedTo: Date | null;
  @Field(() => String, { nullable: true }) detail: string | null;
  @Field(() => Date, { nullable: true }) observedAt: Date | null;
}

@ObjectType({
  description:
    "A live snapshot as a retention plan names it: what the agent prunes by (the rest: snapshots).",
  simpleResolvers: true,
})
export class PlannedSnapshot {
  @Field(() => String) guid: string;
  @Field(() => String) name: string;
  @Field(() => Date) takenAt: Date;
}

@ObjectType({ simpleResolvers: true })
export class KeptSnapshot {
  @Field(() => PlannedSnapshot) snapshot: PlannedSnapshot;
  @Field(() => String, {
    description: "The rule keeping it: last, hourly, daily, weekly, monthly, yearly, or all.",
  })
  rule: KeepRule | "all";
}

@ObjectType({
  description: "Which snapshots of a volume its policy keeps and which the agent is to prune.",
  simpleResolvers: true,
})
export class BackupRetentionPlan {
  @Field(() => ID) volumeId: string;
  @Field(() => BackupPolicy, { nullable: true, description: "Null: no policy, nothing is pruned." })
  policy: BackupPolicy | null;
  @Field(() => [KeptSnapshot], { description: "Newest first." }) keep: KeptSnapshot[];
  @Field(() => [PlannedSnapshot], { description: "Newest first." }) prune: PlannedSnapshot[];
}

export enum FreshnessStatusValue {
  UNPROTECTED = "unprotected",
  STALE = "stale",
  PROTECTED = "protected",
}
registerEnumType(FreshnessStatusValue, {
  name: "BackupFreshnessStatus",
  valuesConfig: {
    UNPROTECTED: { description: "No policy, no volume, or a volume without any snapshot." },
    STALE: { description: "A snapshot or a copy at a target missed its schedule, or a copy failed." },
    PROTECTED: { description: "Every volume has a recent snapshot, copied to every target." },
  },
});

@ObjectType({ description: "A service's backups against its schedule.", simpleResolvers: true })
export class BackupFreshness {
  serviceUuid: string;
  @Field(() => ID) serviceId: string;
  @Field(() => String) domain: string;
  @Field(() => FreshnessStatusValue) status: FreshnessStatusValue;
  @Field(() => String, { nullable: true }) reason: string | null;
  @Field(() => Int, { nullable: true }) expectedIntervalSeconds: number | null;
  @Field(() => Date, { nullable: true }) lastSnapshotAt: Date | null;
  @Field(() => Date, { nullable: true }) lastReplicaAt: Date | null;
  @Field(() => Date, { nullable: true, description: "The oldest of the last good copies." })
  oldestBackupAt: Date | null;
}

@ObjectType({ description: "What a report stored.", simpleResolvers: true })
export class BackupReportResult {
  @Field(() => Int, { description: "Snapshot records received." }) snapshots: number;
  @Field(() => Int, { description: "Replica states received." }) replicas: number;
  @Field(() => Int, {
    description: "Records that changed what was stored (older observations change nothing).",
  })
  applied: number;
}
