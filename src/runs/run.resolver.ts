import {
  Arg,
  Args,
  Ctx,
  Field,
  FieldResolver,
  ID,
  InputType,
  Int,
  Mutation,
  Query,
  Resolver,
  Root,
} from "type-graphql";
import { Permission } from "../authz/permissions.js";
import { Requires } from "../authz/rules.js";
import { notFound } from "../common/errors.js";
import { expectGlobalId } from "../common/global-id.js";
import { Deployment } from "../deployments/deployment.types.js";
import { PageArgs } from "../api/connection.js";
import type { RequestContext } from "../api/context.js";
import { JSONObjectScalar } from "../api/scalars.js";
import { Run, RunConnection, RunLogPage, RunProgress, RunStateValue } from "./run.types.js";

@InputType()
export class RunFilter {
  @Field(() => ID, { nullable: true, description: "Only this deployment's runs." }) deploymentId?: string;
  @Field(() => RunStateValue, { nullable: true }) state?: RunStateValue;
}

@Resolver(() => Run)
export class RunResolver {
  @Query(() => RunConnection, { description: "Runs, newest first." })
  @Requires(Permission.RunRead)
  runs(
    @Ctx() ctx: RequestContext,
    @Args(() => PageArgs) page: PageArgs,
    @Arg("filter", () => RunFilter, { nullable: true }) filter?: RunFilter,
  ) {
    return ctx.services.runs.list(ctx, { deploymentId: filter?.deploymentId, state: filter?.state }, page);
  }

  @Query(() => Run, { nullable: true })
  @Requires(Permission.RunRead)
  run(@Ctx() ctx: RequestContext, @Arg("id", () => ID) id: string) {
    return ctx.loaders.runById.load(expectGlobalId(id, "Run", "id"));
  }

  @FieldResolver(() => Deployment)
  deployment(@Root() r: Run, @Ctx() ctx: RequestContext) {
    return ctx.loaders.deploymentById.load(r.deploymentId);
  }

  @FieldResolver(() => JSONObjectScalar, { description: "The deployment.json handed to nixops4." })
  config(@Root() r: Run, @Ctx() ctx: RequestContext) {
    return ctx.loaders.runConfigById.load(r.uuid);
  }

  @FieldResolver(() => RunProgress)
  progress(@Root() r: Run, @Ctx() ctx: RequestContext) {
    return ctx.services.runs.progress(ctx, r);
  }

  @FieldResolver(() => RunLogPage, { description: "The stored output (stdout and stderr, in order)." })
  log(
    @Root() r: Run,
    @Ctx() ctx: RequestContext,
    @Arg("fromOffset", () => Int, { defaultValue: 0 }) fromOffset: number,
    @Arg("limit", () => Int, { defaultValue: 65536, description: "Bytes, at most 1 MiB." }) limit: number,
  ) {
    return ctx.services.runs.log(ctx, r, fromOffset, limit);
  }

  @Mutation(() => Run, {
    description:
      "Queues a nixops4 apply of the deployment's staged configuration. idempotencyKey is scoped to the " +
      "deployment: the same key with the same configuration returns the same run; with another configuration " +
      "it fails (IDEMPOTENCY_CONFLICT). Keys of other deployments never collide with it.",
  })
  @Requires(Permission.RunApply)
  async applyDeployment(
    @Ctx() ctx: RequestContext,
    @Arg("deploymentId", () => ID) deploymentId: string,
    @Arg("idempotencyKey", () => String) idempotencyKey: string,
  ) {
    return reloadRun(ctx, await ctx.services.runs.apply(ctx, deploymentId, idempotencyKey));
  }

  @Mutation(() => Run, {
    description: "A queued run is canceled at once; a running one goes to CANCELING until nixops4 stopped.",
  })
  @Requires(Permission.RunCancel)
  async cancelRun(@Ctx() ctx: RequestContext, @Arg("id", () => ID) id: string) {
    return reloadRun(ctx, await ctx.services.runs.cancel(ctx, id));
  }
}

@Resolver(() => Deployment)
export class DeploymentRunsResolver {
  @FieldResolver(() => Run, { nullable: true, description: "The most recently queued run." })
  lastRun(@Root() d: Deployment, @Ctx() ctx: RequestContext) {
    return ctx.loaders.lastRunByDeployment.load(d.uuid);
  }
}

export async function reloadRun(ctx: RequestContext, id: string): Promise<Run> {
  const r = await ctx.loaders.runById.clear(id).load(id);
  if (!r) throw notFound("Run");
  return r;
}
