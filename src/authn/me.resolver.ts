import { Arg, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from "type-graphql";
import { Permission } from "../authz/permissions.js";
import { Requires } from "../authz/rules.js";
import type { RequestContext } from "../api/context.js";
import { Operator } from "../operators/operator.types.js";
import { Provider } from "../providers/provider.types.js";
import { Me, Membership, TotpEnrolment } from "./authn.types.js";

@Resolver(() => Me)
export class MeResolver {
  @Query(() => Me, { description: "Who makes this request: a person or a service account, and its roles." })
  @Requires(Permission.SelfRead)
  me(@Ctx() ctx: RequestContext) {
    return ctx.services.users.me(ctx);
  }

  @Mutation(() => TotpEnrolment, {
    description: "Starts TOTP enrolment for the signed-in person; confirm it with a code from the app.",
  })
  @Requires(Permission.SelfManage)
  beginTotpEnrolment(@Ctx() ctx: RequestContext) {
    return ctx.services.users.beginTotp(ctx);
  }

  @Mutation(() => [String], { description: "Turns TOTP on; returns the recovery codes, shown this once." })
  @Requires(Permission.SelfManage)
  confirmTotpEnrolment(@Ctx() ctx: RequestContext, @Arg("code", () => String) code: string) {
    return ctx.services.users.confirmTotp(ctx, code);
  }

  @Mutation(() => Boolean, { description: "Turns TOTP off; needs a current code or a recovery code." })
  @Requires(Permission.SelfManage)
  async disableTotp(@Ctx() ctx: RequestContext, @Arg("code", () => String) code: string) {
    await ctx.services.users.disableTotp(ctx, code);
    return true;
  }
}

@Resolver(() => Membership)
export class MembershipResolver {
  @FieldResolver(() => Operator, { nullable: true })
  operator(@Root() m: Membership, @Ctx() ctx: RequestContext) {
    return m.operatorUuid ? ctx.loaders.operatorById.load(m.operatorUuid) : null;
  }

  @FieldResolver(() => Provider, { nullable: true })
  provider(@Root() m: Membership, @Ctx() ctx: RequestContext) {
    return m.providerUuid ? ctx.loaders.providerById.load(m.providerUuid) : null;
  }
}
