import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import { Permission } from "../authz/permissions.js";
import { Requires } from "../authz/rules.js";
import { notFound } from "../common/errors.js";
import { PageArgs } from "../api/connection.js";
import type { RequestContext } from "../api/context.js";
import { JSONObjectScalar } from "../api/scalars.js";
import { CreateProviderInput, SetProviderSchemasInput } from "./provider.inputs.js";
import { CoreService, Provider, ProviderConnection, ResourceProvider } from "./provider.types.js";

@Resolver(() => Provider)
export class ProviderResolver {
  @Query(() => ProviderConnection)
  @Requires(Permission.ProviderRead)
  providers(@Ctx() ctx: RequestContext, @Args(() => PageArgs) page: PageArgs) {
    return ctx.services.providers.list(ctx, page);
  }

  @Query(() => Provider, { nullable: true })
  @Requires(Permission.ProviderRead)
  provider(@Ctx() ctx: RequestContext, @Arg("slug", () => String) slug: string) {
    return ctx.services.providers.bySlug(ctx, slug);
  }

  @FieldResolver(() => [ResourceProvider])
  resourceProviders(@Root() p: Provider, @Ctx() ctx: RequestContext) {
    return ctx.loaders.resourceProvidersByProvider.load(p.uuid);
  }

  @FieldResolver(() => [CoreService])
  coreServices(@Root() p: Provider, @Ctx() ctx: RequestContext) {
    return ctx.loaders.coreServicesByProvider.load(p.uuid);
  }

  @Mutation(() => Provider, { description: "A new provider; needs provider:create installation-wide." })
  @Requires(Permission.ProviderCreate)
  async createProvider(
    @Ctx() ctx: RequestContext,
    @Arg("input", () => CreateProviderInput) input: CreateProviderInput,
  ) {
    return reload(ctx, await ctx.services.providers.create(ctx, input));
  }

  @Mutation(() => Provider, { description: "Sets the JSON Schemas of provider and operator bespoke info." })
  @Requires(Permission.ProviderManage)
  async setProviderSchemas(
    @Ctx() ctx: RequestContext,
    @Arg("id", () => ID) id: string,
    @Arg("input", () => SetProviderSchemasInput) input: SetProviderSchemasInput,
  ) {
    return reload(ctx, await ctx.services.providers.setSchemas(ctx, id, input));
  }

  @Mutation(() => Provider)
  @Requires(Permission.ProviderManage)
  async setProviderBespokeInfo(
    @Ctx() ctx: RequestContext,
    @Arg("id", () => ID) id: string,
    @Arg("info", () => JSONObjectScalar) info: Record<string, unknown>,
  ) {
    return reload(ctx, await ctx.services.providers.setBespokeInfo(ctx, id, info));
  }
}

async function reload(ctx: RequestContext, id: string): Promise<Provider> {
  const p = await ctx.loaders.providerById.clear(id).load(id);
  if (!p) throw notFound("Provider");
  return p;
}
