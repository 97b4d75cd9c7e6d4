import { Arg, Args, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import { Permission } from "../../authz/permissions.js";
import { Requires } from "../../authz/rules.js";
import { notFound } from "../../common/errors.js";
import { expectGlobalId } from "../../common/global-id.js";
import { PageArgs } from "../../api/connection.js";
import type { RequestContext } from "../../api/context.js";
import { Operator } from "../../operators/operator.types.js";
import { Provider } from "../../providers/provider.types.js";
import {
  CreatePublicClientInput,
  CreateServiceAccountInput,
  UpdatePublicClientInput,
} from "../authn.inputs.js";
import { DEFAULT_SECRET_OVERLAP_SECONDS, type WithSecret } from "./client.service.js";
import { Client, ClientConnection, ClientFilter, ClientWithSecret } from "./client.types.js";

@Resolver(() => Client)
export class ClientResolver {
  @Query(() => ClientConnection, { description: "Service accounts and frontend clients, by name." })
  @Requires(Permission.ClientRead)
  clients(
    @Ctx() ctx: RequestContext,
    @Args(() => PageArgs) page: PageArgs,
    @Arg("filter", () => ClientFilter, { nullable: true }) filter?: ClientFilter,
  ) {
    return ctx.services.clients.list(ctx, filter, page);
  }

  @Query(() => Client, { nullable: true })
  @Requires(Permission.ClientRead)
  client(@Ctx() ctx: RequestContext, @Arg("id", () => String) id: string) {
    return ctx.services.clients.byId(ctx, expectGlobalId(id, "Client", "id"));
  }

  @FieldResolver(() => Operator, { nullable: true, description: "Service accounts bound to an operator." })
  operator(@Root() c: Client, @Ctx() ctx: RequestContext) {
    return c.operatorUuid ? ctx.loaders.operatorById.load(c.operatorUuid) : null;
  }

  @FieldResolver(() => Provider, { nullable: true, description: "Service accounts bound to a provider." })
  provider(@Root() c: Client, @Ctx() ctx: RequestContext) {
    return c.providerUuid ? ctx.loaders.providerById.load(c.providerUuid) : null;
  }

  @Mutation(() => ClientWithSecret, {
    description: "A service account; its secret is in the answer, and only there.",
  })
  @Requires(Permission.ClientManage)
  async createServiceAccount(
    @Ctx() ctx: RequestContext,
    @Arg("input", () => CreateServiceAccountInput) input: CreateServiceAccountInput,
  ) {
    return withSecret(ctx, await ctx.services.clients.createServiceAccount(ctx, input));
  }

  @Mutation(() => Client)
  @Requires(Permission.ClientManage)
  async createPublicClient(
    @Ctx() ctx: RequestContext,
    @Arg("input", () => CreatePublicClientInput) input: CreatePublicClientInput,
  ) {
    return reload(ctx, await ctx.services.clients.createPublicClient(ctx, input));
  }

  @Mutation(() => Client)
  @Requires(Permission.ClientManage)
  async updatePublicClient(
    @Ctx() ctx: RequestContext,
    @Arg("id", () => String) id: string,
    @Arg("input", () => UpdatePublicClientInput) input: UpdatePublicClientInput,
  ) {
    return reload(ctx, await ctx.services.clients.updatePublicClient(ctx, id, input));
  }

  @Mutation(() => ClientWithSecret, {
    description: "A new secret, shown this once; the previous one keeps working for overlapSeconds.",
  })
  @Requires(Permission.ClientManage)
  async rotateClientSecret(
    @Ctx() ctx: RequestContext,
    @Arg("id", () => String) id: string,
    @Arg("overlapSeconds", () => Int, { defaultValue: DEFAULT_SECRET_OVERLAP_SECONDS })
    overlapSeconds: number,
  ) {
    return withSecret(ctx, await ctx.services.clients.rotateSecret(ctx, id, overlapSeconds));
  }

  @Mutation(() => Client, {
    description: "No more tokens for it; its grants and refresh tokens end at once.",
  })
  @Requires(Permission.ClientManage)
  async disableClient(@Ctx() ctx: RequestContext, @Arg("id", () => String) id: string) {
    return reload(ctx, await ctx.services.clients.setDisabled(ctx, id, true));
  }

  @Mutation(() => Client)
  @Requires(Permission.ClientManage)
  async enableClient(@Ctx() ctx: RequestContext, @Arg("id", () => String) id: string) {
    return reload(ctx, await ctx.services.clients.setDisabled(ctx, id, false));
  }

  @Mutation(() => String, { description: "Deletes the client, its grants and its roles; returns the id." })
  @Requires(Permission.ClientManage)
  async deleteClient(@Ctx() ctx: RequestContext, @Arg("id", () => String) id: string) {
    await ctx.services.clients.delete(ctx, id);
    return id;
  }
}

async function reload(ctx: RequestContext, id: string): Promise<Client> {
  const client = await ctx.services.clients.byId(ctx, id);
  if (!client) throw notFound("Client", id);
  return client;
}

async function withSecret(ctx: RequestContext, w: WithSecret): Promise<ClientWithSecret> {
  return { client: await reload(ctx, w.id), clientSecret: w.clientSecret };
}
