import { Field, Float, ID, InputType, Int } from "type-graphql";
import { TargetKindValue, VolumeKindValue } from "./backup.types.js";

@InputType({ description: "How many snapshots each keep-rule keeps; a rule left out keeps none." })
export class KeepRulesInput {
  @Field(() => Int, { nullable: true }) last?: number;
  @Field(() => Int, { nullable: true }) hourly?: number;
  @Field(() => Int, { nullable: true }) daily?: number;
  @Field(() => Int, { nullable: true }) weekly?: number;
  @Field(() => Int, { nullable: true }) monthly?: number;
  @Field(() => Int, { nullable: true }) yearly?: number;
}

@InputType("ServiceBackupPolicyInput")
export class BackupPolicyInput {
  @Field(() => String, { description: "Cron expression (five fields, UTC)." }) schedule: string;
  @Field(() => KeepRulesInput) keep: KeepRulesInput;
  @Field(() => Boolean, {
    defaultValue: true,
    description: "False turns backups of the service off: only where the provider imposes no minimum.",
  })
  enabled: boolean;
}

@InputType()
export class BackupDefaultInput {
  @Field(() => ID) providerId: string;
  @Field(() => String, { description: "The service type's slug." }) serviceType: string;
  @Field(() => String) schedule: string;
  @Field(() => KeepRulesInput) keep: KeepRulesInput;
  @Field(() => KeepRulesInput, {
    nullable: true,
    description: "What every policy of the type keeps at least.",
  })
  minimum?: KeepRulesInput;
}

@InputType({ description: "A backup target, created or (by name) replaced." })
export class BackupTargetInput {
  @Field(() => ID) providerId: string;
  @Field(() => String, { description: "A slug, unique per provider." }) name: string;
  @Field(() => TargetKindValue) kind: TargetKindValue;
  @Field(() => String, { description: "zfs-pull: the pulling host; s3-replica: the https:// URL." })
  endpoint: string;
  @Field(() => String, { description: "Receiving dataset prefix, or bucket." }) location: string;
  @Field(() => String, {
    nullable: true,
    description: "The name of the secret holding its credentials (never the secret itself).",
  })
  secretRef?: string;
  @Field(() => String, { nullable: true, description: "The host as NetBox names it." }) host?: string;
}

@InputType({ description: "A protected volume of a service, created or (by kind and name) updated." })
export class BackupVolumeInput {
  @Field(() => ID) serviceId: string;
  @Field(() => VolumeKindValue) kind: VolumeKindValue;
  @Field(() => String, { description: "The ZFS dataset (pool/path) or the bucket." }) name: string;
  @Field(() => String, { nullable: true, description: "The host holding it, as NetBox names it." })
  host?: string;
}

@InputType({ description: "One snapshot as the agent found it." })
export class SnapshotReportInput {
  @Field(() => String, { description: "ZFS's GUID (or the agent's id of a bucket snapshot)." }) guid: string;
  @Field(() => String) name: string;
  @Field(() => Date) takenAt: string;
  @Field(() => Float, { description: "Bytes." }) sizeBytes: number;
  @Field(() => [String], { nullable: true, description: "source and/or backup target names." })
  heldAt?: string[];
  @Field(() => Date, { nullable: true, description: "Set when the agent saw it destroyed (pruned)." })
  destroyedAt?: string;
}

@InputType({ description: "How far the copy of the volume at one target is." })
export class ReplicaReportInput {
  @Field(() => String, { description: "The target's name." }) target: string;
  @Field(() => String, { description: "in-sync, lagging or failed." }) state: string;
  @Field(() => Date, { nullable: true }) syncedTo?: string;
  @Field(() => String, { nullable: true }) detail?: string;
}

@InputType({ description: "What the agent found of one volume, at one time." })
export class VolumeReportInput {
  @Field(() => ID) volumeId: string;
  @Field(() => Date, { nullable: true, description: "When the agent looked; defaults to now." })
  observedAt?: string;
  @Field(() => [SnapshotReportInput], { defaultValue: [] }) snapshots: SnapshotReportInput[];
  @Field(() => [ReplicaReportInput], { defaultValue: [] }) replicas: ReplicaReportInput[];
}
