import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import { PageArgs } from "../api/connection.js";
import type { RequestContext } from "../api/context.js";
import { Operator } from "../operators/operator.types.js";
import { Provider } from "../providers/provider.types.js";
import { Permission } from "./permissions.js";
import { RoleAssignmentFilter, RoleGrantInput } from "./policy.inputs.js";
import { AccessExplanation, Role, RoleAssignment, RoleAssignmentConnection } from "./policy.types.js";
import { Requires } from "./rules.js";

@Resolver(() => RoleAssignment)
export class PolicyResolver {
  @Query(() => [Role], { description: "Every role and its permissions." })
  @Requires(Permission.PolicyRead)
  roles(@Ctx() ctx: RequestContext) {
    return ctx.services.policy.roles();
  }

  @Query(() => RoleAssignmentConnection, {
    description: "Role grants, by subject or operator, in the domains where you may read policies.",
  })
  @Requires(Permission.PolicyRead)
  roleAssignments(
    @Ctx() ctx: RequestContext,
    @Args(() => PageArgs) page: PageArgs,
    @Arg("filter", () => RoleAssignmentFilter, { nullable: true }) filter?: RoleAssignmentFilter,
  ) {
    return ctx.services.policy.list(ctx, filter, page);
  }

  @Query(() => AccessExplanation, {
    description:
      "Whether a subject holds a permission for an operator, a provider or (neither) installation-wide, " +
      "and which grant decided.",
  })
  @Requires(Permission.PolicyRead)
  explainAccess(
    @Ctx() ctx: RequestContext,
    @Arg("subject", () => String) subject: string,
    @Arg("permission", () => String, { description: "e.g. deployment:write" }) permission: string,
    @Arg("operatorId", () => ID, { nullable: true, description: "Ask for this operator." })
    operatorId?: string | null,
    @Arg("providerId", () => ID, { nullable: true, description: "Ask for this provider's own data." })
    providerId?: string | null,
  ) {
    return ctx.services.policy.explain(ctx, subject, { operatorId, providerId }, permission);
  }

  @Mutation(() => RoleAssignment, {
    description: "Grants a role; needs policy:manage there and every permission of the role. Idempotent.",
  })
  @Requires(Permission.PolicyManage)
  grantRole(@Ctx() ctx: RequestContext, @Arg("input", () => RoleGrantInput) input: RoleGrantInput) {
    return ctx.services.policy.grant(ctx, input);
  }

  @Mutation(() => Boolean, { description: "Revokes a role; false when the subject did not hold it there." })
  @Requires(Permission.PolicyManage)
  revokeRole(@Ctx() ctx: RequestContext, @Arg("input", () => RoleGrantInput) input: RoleGrantInput) {
    return ctx.services.policy.revoke(ctx, input);
  }

  @FieldResolver(() => Role)
  async role(@Root() a: RoleAssignment, @Ctx() ctx: RequestContext) {
    const roles = await ctx.services.policy.roles();
    return roles.find((r) => r.name === a.roleName);
  }

  @FieldResolver(() => Operator, { nullable: true, description: "The operator of a per-operator grant." })
  operator(@Root() a: RoleAssignment, @Ctx() ctx: RequestContext) {
    return a.operatorId === null ? null : ctx.loaders.operatorById.load(a.operatorId);
  }

  @FieldResolver(() => Provider, { nullable: true, description: "The provider of a per-provider grant." })
  provider(@Root() a: RoleAssignment, @Ctx() ctx: RequestContext) {
    return a.providerId === null ? null : ctx.loaders.providerById.load(a.providerId);
  }
}

@Resolver(() => AccessExplanation)
export class AccessExplanationResolver {
  @FieldResolver(() => Operator, { nullable: true, description: "The operator of the deciding grant." })
  operator(@Root() e: AccessExplanation, @Ctx() ctx: RequestContext) {
    return e.operatorId === null ? null : ctx.loaders.operatorById.load(e.operatorId);
  }

  @FieldResolver(() => Provider, { nullable: true, description: "The provider of the deciding grant." })
  provider(@Root() e: AccessExplanation, @Ctx() ctx: RequestContext) {
    return e.providerId === null ? null : ctx.loaders.providerById.load(e.providerId);
  }
}
