import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import { PageArgs } from "../../api/connection.js";
import type { RequestContext } from "../../api/context.js";
import { Permission } from "../../authz/permissions.js";
import { Requires } from "../../authz/rules.js";
import { notFound } from "../../common/errors.js";
import { expectGlobalId } from "../../common/global-id.js";
import { Deployment, Service } from "../../deployments/deployment.types.js";
import { Run } from "../../runs/run.types.js";
import { BackupRestoreFilter, RequestRestoreInput } from "./restore.inputs.js";
import { BackupRestore, BackupRestoreConnection } from "./restore.types.js";

@Resolver(() => BackupRestore)
export class RestoreResolver {
  @Query(() => BackupRestoreConnection, { description: "Restores asked for, newest first." })
  @Requires(Permission.BackupRead)
  backupRestores(
    @Ctx() ctx: RequestContext,
    @Args(() => PageArgs) page: PageArgs,
    @Arg("filter", () => BackupRestoreFilter, { nullable: true }) filter?: BackupRestoreFilter,
  ) {
    return ctx.services.restores.list(ctx, filter ?? {}, page);
  }

  @Query(() => BackupRestore, { nullable: true })
  @Requires(Permission.BackupRead)
  backupRestore(@Ctx() ctx: RequestContext, @Arg("id", () => ID) id: string) {
    return ctx.loaders.backupRestoreById.load(expectGlobalId(id, "BackupRestore", "id"));
  }

  @FieldResolver(() => Service, { nullable: true })
  service(@Root() r: BackupRestore, @Ctx() ctx: RequestContext) {
    return ctx.loaders.serviceById.load(r.serviceId);
  }

  @FieldResolver(() => Deployment, { nullable: true })
  deployment(@Root() r: BackupRestore, @Ctx() ctx: RequestContext) {
    return ctx.loaders.deploymentById.load(r.deploymentId);
  }

  @FieldResolver(() => Run, {
    nullable: true,
    description: "The restore run, once approved (if the caller may read runs).",
  })
  run(@Root() r: BackupRestore, @Ctx() ctx: RequestContext) {
    return r.runId ? ctx.loaders.runById.load(r.runId) : null;
  }

  @Mutation(() => BackupRestore, {
    description:
      "Asks for a restore of a service's volume to a snapshot. Where the provider requires approval it waits " +
      "for a provider admin (REQUESTED); otherwise, or when the caller may approve, it is approved at once and " +
      "its restore run is queued.",
  })
  @Requires(Permission.BackupRestore)
  async requestRestore(
    @Ctx() ctx: RequestContext,
    @Arg("input", () => RequestRestoreInput) input: RequestRestoreInput,
  ) {
    return reload(ctx, await ctx.services.restores.request(ctx, input));
  }

  @Mutation(() => BackupRestore, {
    description:
      "Approves a requested restore and queues its restore run (the staged configuration with the restore " +
      "target, after the deployment's runs queued before it). Approving an approved restore changes nothing.",
  })
  @Requires(Permission.BackupApprove)
  async approveRestore(@Ctx() ctx: RequestContext, @Arg("id", () => ID) id: string) {
    return reload(ctx, await ctx.services.restores.approve(ctx, id));
  }

  @Mutation(() => BackupRestore, { description: "Refuses a requested restore." })
  @Requires(Permission.BackupApprove)
  async rejectRestore(
    @Ctx() ctx: RequestContext,
    @Arg("id", () => ID) id: string,
    @Arg("reason", () => String, { nullable: true }) reason?: string,
  ) {
    return reload(ctx, await ctx.services.restores.reject(ctx, id, reason));
  }

  @Mutation(() => Boolean, {
    description:
      "Whether restores asked for by the provider's operators wait for a provider admin's approval " +
      "(required until set otherwise). Answers the setting.",
  })
  @Requires(Permission.BackupManage)
  async setBackupRestoreApproval(
    @Ctx() ctx: RequestContext,
    @Arg("providerId", () => ID) providerId: string,
    @Arg("required", () => Boolean) required: boolean,
  ) {
    await ctx.services.restores.setApprovalRequired(ctx, providerId, required);
    return required;
  }
}

async function reload(ctx: RequestContext, id: string): Promise<BackupRestore> {
  const r = await ctx.loaders.backupRestoreById.clear(id).load(id);
  if (!r) throw notFound("BackupRestore");
  return r;
}
