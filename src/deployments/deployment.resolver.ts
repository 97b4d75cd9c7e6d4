import {
  Arg,
  Args,
  Ctx,
  FieldResolver,
  ID,
  InputType,
  Field,
  Mutation,
  Query,
  Resolver,
  Root,
} from "type-graphql";
import { Permission } from "../authz/permissions.js";
import { Requires } from "../authz/rules.js";
import { notFound } from "../common/errors.js";
import { childConnection } from "../api/child-connection.js";
import { PageArgs } from "../api/connection.js";
import type { RequestContext } from "../api/context.js";
import { JSONObjectScalar } from "../api/scalars.js";
import { Operator } from "../operators/operator.types.js";
import { CreateDeploymentInput } from "./deployment.inputs.js";
import {
  ConfigurationKind,
  Deployment,
  DeploymentConnection,
  ServiceConnection,
} from "./deployment.types.js";

@InputType()
export class DeploymentFilter {
  @Field(() => ID, { nullable: true, description: "Only this operator's deployments." }) operatorId?: string;
}

@Resolver(() => Deployment)
export class DeploymentResolver {
  @Query(() => DeploymentConnection)
  @Requires(Permission.DeploymentRead)
  deployments(
    @Ctx() ctx: RequestContext,
    @Args(() => PageArgs) page: PageArgs,
    @Arg("filter", () => DeploymentFilter, { nullable: true }) filter?: DeploymentFilter,
  ) {
    return ctx.services.deployments.list(ctx, filter?.operatorId ?? undefined, page);
  }

  @Query(() => JSONObjectScalar, {
    nullable: true,
    description:
      "The JSON document a NixOps4 deployment reads; DEPLOYED is null before the first successful run.",
  })
  @Requires(Permission.ConfigRead)
  deploymentConfig(
    @Ctx() ctx: RequestContext,
    @Arg("deploymentId", () => ID) deploymentId: string,
    @Arg("which", () => ConfigurationKind, { defaultValue: ConfigurationKind.STAGED })
    which: ConfigurationKind,
  ) {
    return ctx.services.deploymentConfig.get(ctx, deploymentId, which);
  }

  @FieldResolver(() => Operator)
  async operator(@Root() d: Deployment, @Ctx() ctx: RequestContext) {
    // Out of the caller's scope when the deployment came as the answer to a config-reader's report.
    const operator = await ctx.loaders.operatorById.load(d.operatorId);
    if (!operator) throw notFound("Operator");
    return operator;
  }

  @FieldResolver(() => ServiceConnection)
  services(@Root() d: Deployment, @Ctx() ctx: RequestContext, @Args(() => PageArgs) page: PageArgs) {
    const { servicePageByDeployment, serviceCountByDeployment } = ctx.loaders;
    return childConnection(servicePageByDeployment, serviceCountByDeployment, d.uuid, page, (s) => [
      s.domain,
      s.uuid,
    ]);
  }

  @Mutation(() => Deployment)
  @Requires(Permission.DeploymentWrite)
  async createDeployment(
    @Ctx() ctx: RequestContext,
    @Arg("input", () => CreateDeploymentInput) input: CreateDeploymentInput,
  ) {
    return reloadDeployment(ctx, await ctx.services.deployments.create(ctx, input));
  }

  @Mutation(() => Deployment)
  @Requires(Permission.DeploymentWrite)
  async renameDeployment(
    @Ctx() ctx: RequestContext,
    @Arg("id", () => ID) id: string,
    @Arg("name", () => String) name: string,
  ) {
    return reloadDeployment(ctx, await ctx.services.deployments.rename(ctx, id, name));
  }

  @Mutation(() => ID, { description: "Deletes the deployment and its services; returns its id." })
  @Requires(Permission.DeploymentWrite)
  async deleteDeployment(@Ctx() ctx: RequestContext, @Arg("id", () => ID) id: string) {
    await ctx.services.deployments.delete(ctx, id);
    return id;
  }
}

export async function reloadDeployment(ctx: RequestContext, id: string): Promise<Deployment> {
  const d = await ctx.loaders.deploymentById.clear(id).load(id);
  if (!d) throw notFound("Deployment");
  return d;
}
