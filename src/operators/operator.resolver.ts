import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import { Permission } from "../authz/permissions.js";
import { Requires } from "../authz/rules.js";
import { notFound } from "../common/errors.js";
import { DeploymentConnection } from "../deployments/deployment.types.js";
import { childConnection } from "../api/child-connection.js";
import { PageArgs } from "../api/connection.js";
import type { RequestContext } from "../api/context.js";
import { JSONObjectScalar } from "../api/scalars.js";
import { Provider } from "../providers/provider.types.js";
import { CreateOperatorInput, QuotaInput, UpdateOperatorInput } from "./operator.inputs.js";
import {
  Operator,
  OperatorConnection,
  OperatorFilter,
  OperatorOrder,
  OperatorStatus,
} from "./operator.types.js";

@Resolver(() => Operator)
export class OperatorResolver {
  @Query(() => OperatorConnection, {
    description: "Operators, filtered and ordered, paged by keyset cursors.",
  })
  @Requires(Permission.OperatorRead)
  operators(
    @Ctx() ctx: RequestContext,
    @Args(() => PageArgs) page: PageArgs,
    @Arg("filter", () => OperatorFilter, { nullable: true }) filter?: OperatorFilter,
    @Arg("orderBy", () => OperatorOrder, { nullable: true }) orderBy?: OperatorOrder,
  ) {
    return ctx.services.operators.list(ctx, filter, orderBy, page);
  }

  @FieldResolver(() => Provider)
  async provider(@Root() op: Operator, @Ctx() ctx: RequestContext) {
    return ctx.loaders.providerById.load(op.providerId);
  }

  @FieldResolver(() => DeploymentConnection)
  deployments(@Root() op: Operator, @Ctx() ctx: RequestContext, @Args(() => PageArgs) page: PageArgs) {
    const { deploymentPageByOperator, deploymentCountByOperator } = ctx.loaders;
    return childConnection(deploymentPageByOperator, deploymentCountByOperator, op.uuid, page, (d) => [
      d.name,
      d.uuid,
    ]);
  }

  @Mutation(() => Operator)
  @Requires(Permission.OperatorCreate)
  async createOperator(
    @Ctx() ctx: RequestContext,
    @Arg("input", () => CreateOperatorInput) input: CreateOperatorInput,
  ) {
    return reload(ctx, await ctx.services.operators.create(ctx, input));
  }

  @Mutation(() => Operator)
  @Requires(Permission.OperatorUpdate)
  async updateOperator(
    @Ctx() ctx: RequestContext,
    @Arg("id", () => ID) id: string,
    @Arg("input", () => UpdateOperatorInput) input: UpdateOperatorInput,
  ) {
    return reload(ctx, await ctx.services.operators.update(ctx, id, input));
  }

  @Mutation(() => Operator, { description: "Suspends an operator; its deployments stay as they are." })
  @Requires(Permission.OperatorSuspend)
  async suspendOperator(@Ctx() ctx: RequestContext, @Arg("id", () => ID) id: string) {
    return reload(ctx, await ctx.services.operators.setStatus(ctx, id, OperatorStatus.SUSPENDED));
  }

  @Mutation(() => Operator)
  @Requires(Permission.OperatorSuspend)
  async resumeOperator(@Ctx() ctx: RequestContext, @Arg("id", () => ID) id: string) {
    return reload(ctx, await ctx.services.operators.setStatus(ctx, id, OperatorStatus.ACTIVE));
  }

  @Mutation(() => Operator, {
    description: "Sets the booked quota; fails with QUOTA_EXCEEDED below current use.",
  })
  @Requires(Permission.QuotaSet)
  async setOperatorQuota(
    @Ctx() ctx: RequestContext,
    @Arg("id", () => ID) id: string,
    @Arg("quota", () => QuotaInput) quota: QuotaInput,
  ) {
    return reload(ctx, await ctx.services.operators.setQuota(ctx, id, quota));
  }

  @Mutation(() => Operator, {
    description: "Replaces the operator's bespoke info, validated by the provider's schema.",
  })
  @Requires(Permission.OperatorUpdate)
  async setOperatorBespokeInfo(
    @Ctx() ctx: RequestContext,
    @Arg("id", () => ID) id: string,
    @Arg("info", () => JSONObjectScalar) info: Record<string, unknown>,
  ) {
    return reload(ctx, await ctx.services.operators.setBespokeInfo(ctx, id, info));
  }
}

async function reload(ctx: RequestContext, id: string): Promise<Operator> {
  const op = await ctx.loaders.operatorById.clear(id).load(id);
  if (!op) throw notFound("Operator");
  return op;
}
