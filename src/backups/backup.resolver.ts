import { Arg, Ctx, FieldResolver, ID, Int, Mutation, ObjectType, Query, Resolver, Root } from "type-graphql";
import type { RequestContext } from "../api/context.js";
import { Permission } from "../authz/permissions.js";
import { Requires } from "../authz/rules.js";
import { badInput } from "../common/errors.js";
import { Service } from "../deployments/deployment.types.js";
import {
  BackupDefaultInput,
  BackupPolicyInput,
  BackupTargetInput,
  BackupVolumeInput,
  VolumeReportInput,
} from "./backup.inputs.js";
import { MAX_SNAPSHOTS_LISTED } from "./backup.loaders.js";
import {
  BackupDefault,
  BackupFreshness,
  BackupPolicy,
  BackupReplica,
  BackupReportResult,
  BackupRetentionPlan,
  BackupSnapshot,
  BackupTarget,
  BackupVolume,
} from "./backup.types.js";

@ObjectType({ description: "A service's backups: its volumes and freshness." })
export class ServiceBackup {
  serviceUuid: string;
}

@Resolver(() => ServiceBackup)
export class ServiceBackupResolver {
  @FieldResolver(() => [BackupVolume], { description: "Empty without backup:read." })
  volumes(@Root() b: ServiceBackup, @Ctx() ctx: RequestContext) {
    return ctx.loaders.backupVolumesByService.load(b.serviceUuid);
  }

  @FieldResolver(() => BackupFreshness, { nullable: true, description: "Null without backup:read." })
  freshness(@Root() b: ServiceBackup, @Ctx() ctx: RequestContext) {
    return ctx.loaders.backupFreshnessByService.load(b.serviceUuid);
  }
}

@Resolver(() => Service)
export class ServiceBackupFieldResolver {
  @FieldResolver(() => BackupPolicy, {
    nullable: true,
    description:
      "The effective backup policy: the service's own (setBackupPolicy), else its provider's default for the " +
      "type. Null: neither exists.",
  })
  backupPolicy(@Root() s: Service, @Ctx() ctx: RequestContext) {
    return ctx.loaders.backupPolicyByService.load(s.uuid);
  }

  @FieldResolver(() => ServiceBackup)
  backup(@Root() s: Service): ServiceBackup {
    return { serviceUuid: s.uuid };
  }
}

@Resolver(() => BackupVolume)
export class BackupVolumeResolver {
  @FieldResolver(() => [BackupSnapshot], { description: "Newest first, destroyed ones included." })
  snapshots(
    @Root() v: BackupVolume,
    @Ctx() ctx: RequestContext,
    @Arg("first", () => Int, { defaultValue: 20, description: `At most ${MAX_SNAPSHOTS_LISTED}.` })
    first: number,
  ) {
    if (first < 0 || first > MAX_SNAPSHOTS_LISTED)
      throw badInput("first", `first must be 0 to ${MAX_SNAPSHOTS_LISTED}`);
    return ctx.loaders.snapshotsByVolume.load(v.uuid).then((list) => list.slice(0, first));
  }

  @FieldResolver(() => [BackupReplica], { description: "One per target of the volume's kind." })
  replicas(@Root() v: BackupVolume, @Ctx() ctx: RequestContext) {
    return ctx.loaders.replicasByVolume.load(v.uuid);
  }

  @FieldResolver(() => Service, { nullable: true })
  service(@Root() v: BackupVolume, @Ctx() ctx: RequestContext) {
    return ctx.loaders.serviceById.load(v.serviceId);
  }
}

@Resolver()
export class BackupResolver {
  @Query(() => BackupRetentionPlan, {
    description:
      "Which live snapshots of the volume its policy keeps (and why) and which the agent is to prune.",
  })
  @Requires(Permission.BackupRead)
  backupRetentionPlan(@Ctx() ctx: RequestContext, @Arg("volumeId", () => ID) volumeId: string) {
    return ctx.services.backups.retentionPlan(ctx, volumeId);
  }

  @Query(() => [BackupVolume], {
    description:
      "Every protected volume of the provider's services the caller may read backups of (by kind and name): " +
      "what a backup agent reports on.",
  })
  @Requires(Permission.BackupRead)
  backupVolumes(@Ctx() ctx: RequestContext, @Arg("providerId", () => ID) providerId: string) {
    return ctx.services.backups.providerVolumes(ctx, providerId);
  }

  @Query(() => [BackupFreshness], {
    description:
      "Every service of the provider the caller may read backups of: unprotected first, then stale, oldest first.",
  })
  @Requires(Permission.BackupRead)
  backupFreshness(@Ctx() ctx: RequestContext, @Arg("providerId", () => ID) providerId: string) {
    return ctx.services.backups.providerFreshness(ctx, providerId);
  }

  @Mutation(() => BackupReportResult, {
    description:
      "For the backup agent: snapshots and replica states per volume, thousands per request. Idempotent per " +
      "(volume, GUID) and (volume, target); an observation older than the stored one changes nothing.",
  })
  @Requires(Permission.BackupReport)
  reportBackupSnapshots(
    @Ctx() ctx: RequestContext,
    @Arg("volumes", () => [VolumeReportInput]) volumes: VolumeReportInput[],
  ) {
    return ctx.services.backupReports.report(ctx, volumes);
  }

  @Mutation(() => BackupDefault, {
    description: "A provider's backup default and minimums for a service type.",
  })
  @Requires(Permission.BackupManage)
  setBackupDefault(
    @Ctx() ctx: RequestContext,
    @Arg("input", () => BackupDefaultInput) input: BackupDefaultInput,
  ) {
    return ctx.services.backups.setDefault(ctx, input);
  }

  @Mutation(() => BackupTarget, { description: "Creates or (by name) replaces a provider's backup target." })
  @Requires(Permission.BackupManage)
  setBackupTarget(
    @Ctx() ctx: RequestContext,
    @Arg("input", () => BackupTargetInput) input: BackupTargetInput,
  ) {
    return ctx.services.backups.setTarget(ctx, input);
  }

  @Mutation(() => BackupVolume, { description: "Declares (or updates) a protected volume of a service." })
  @Requires(Permission.BackupManage)
  defineBackupVolume(
    @Ctx() ctx: RequestContext,
    @Arg("input", () => BackupVolumeInput) input: BackupVolumeInput,
  ) {
    return ctx.services.backups.defineVolume(ctx, input);
  }

  @Mutation(() => Service, {
    description:
      "The service's own backup policy, within the provider's minimums; bumps the staged generation.",
  })
  @Requires(Permission.DeploymentWrite)
  async setBackupPolicy(
    @Ctx() ctx: RequestContext,
    @Arg("serviceId", () => ID) serviceId: string,
    @Arg("input", () => BackupPolicyInput) input: BackupPolicyInput,
  ) {
    return ctx.loaders.serviceById.load(await ctx.services.backups.setPolicy(ctx, serviceId, input));
  }

  @Mutation(() => Service, {
    description: "Drops the service's own policy: it follows its provider's default.",
  })
  @Requires(Permission.DeploymentWrite)
  async resetBackupPolicy(@Ctx() ctx: RequestContext, @Arg("serviceId", () => ID) serviceId: string) {
    return ctx.loaders.serviceById.load(await ctx.services.backups.setPolicy(ctx, serviceId, null));
  }
}

export const backupResolvers = [
  BackupResolver,
  BackupVolumeResolver,
  ServiceBackupResolver,
  ServiceBackupFieldResolver,
] as const;
