import { Arg, Args, Ctx, Mutation, Query, Resolver } from "type-graphql";
import { Permission } from "../../authz/permissions.js";
import { Requires } from "../../authz/rules.js";
import { notFound } from "../../common/errors.js";
import { expectGlobalId } from "../../common/global-id.js";
import { PageArgs } from "../../api/connection.js";
import type { RequestContext } from "../../api/context.js";
import { CreateUserInput, UpdateUserInput } from "../authn.inputs.js";
import { UserSession } from "../authn.types.js";
import { User, UserConnection, UserFilter } from "./user.types.js";

@Resolver(() => User)
export class UserResolver {
  @Query(() => UserConnection, { description: "People who sign in, by display name." })
  @Requires(Permission.UserRead)
  users(
    @Ctx() ctx: RequestContext,
    @Args(() => PageArgs) page: PageArgs,
    @Arg("filter", () => UserFilter, { nullable: true }) filter?: UserFilter,
  ) {
    return ctx.services.users.list(ctx, filter, page);
  }

  @Query(() => User, { nullable: true })
  @Requires(Permission.UserRead)
  user(@Ctx() ctx: RequestContext, @Arg("id", () => String) id: string) {
    return ctx.services.users.visible(ctx, expectGlobalId(id, "User", "id"));
  }

  @Query(() => [UserSession], { description: "The person's signed-in sessions, newest first." })
  @Requires(Permission.UserRead)
  userSessions(@Ctx() ctx: RequestContext, @Arg("userId", () => String) userId: string) {
    return ctx.services.users.sessions(ctx, userId);
  }

  @Mutation(() => User)
  @Requires(Permission.UserManage)
  async createUser(@Ctx() ctx: RequestContext, @Arg("input", () => CreateUserInput) input: CreateUserInput) {
    return reload(ctx, await ctx.services.users.create(ctx, input));
  }

  @Mutation(() => User)
  @Requires(Permission.UserManage)
  async updateUser(
    @Ctx() ctx: RequestContext,
    @Arg("id", () => String) id: string,
    @Arg("input", () => UpdateUserInput) input: UpdateUserInput,
  ) {
    return reload(ctx, await ctx.services.users.update(ctx, id, input));
  }

  @Mutation(() => User, { description: "Sets a new password and signs the person out everywhere." })
  @Requires(Permission.UserManage)
  async setUserPassword(
    @Ctx() ctx: RequestContext,
    @Arg("id", () => String) id: string,
    @Arg("password", () => String) password: string,
  ) {
    return reload(ctx, await ctx.services.users.setPassword(ctx, id, password));
  }

  @Mutation(() => User, { description: "The person can no longer sign in; their sessions end at once." })
  @Requires(Permission.UserManage)
  async disableUser(@Ctx() ctx: RequestContext, @Arg("id", () => String) id: string) {
    return reload(ctx, await ctx.services.users.setDisabled(ctx, id, true));
  }

  @Mutation(() => User)
  @Requires(Permission.UserManage)
  async enableUser(@Ctx() ctx: RequestContext, @Arg("id", () => String) id: string) {
    return reload(ctx, await ctx.services.users.setDisabled(ctx, id, false));
  }

  @Mutation(() => String, { description: "Deletes the person and everything they hold; returns the id." })
  @Requires(Permission.UserManage)
  async deleteUser(@Ctx() ctx: RequestContext, @Arg("id", () => String) id: string) {
    await ctx.services.users.delete(ctx, id);
    return id;
  }

  @Mutation(() => User, {
    description: "Removes the person's TOTP second factor (lost device and recovery codes).",
  })
  @Requires(Permission.UserManage)
  async resetUserTotp(@Ctx() ctx: RequestContext, @Arg("id", () => String) id: string) {
    return reload(ctx, await ctx.services.users.resetTotp(ctx, id));
  }

  @Mutation(() => Boolean, { description: "Ends one session; false when there was none." })
  @Requires(Permission.SessionRevoke)
  revokeSession(@Ctx() ctx: RequestContext, @Arg("id", () => String) id: string) {
    return ctx.services.users.revokeSession(ctx, id);
  }

  @Mutation(() => User, { description: "Ends every session, grant and refresh token of the person." })
  @Requires(Permission.SessionRevoke)
  async revokeUserSessions(@Ctx() ctx: RequestContext, @Arg("userId", () => String) userId: string) {
    return reload(ctx, await ctx.services.users.revokeSessions(ctx, userId));
  }
}

async function reload(ctx: RequestContext, id: string): Promise<User> {
  const user = await ctx.services.users.byId(id);
  if (!user) throw notFound("User", id);
  return user;
}
