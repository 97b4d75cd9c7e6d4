import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import { Permission } from "../authz/permissions.js";
import { Requires } from "../authz/rules.js";
import { notFound } from "../common/errors.js";
import { PageArgs } from "../api/connection.js";
import type { RequestContext } from "../api/context.js";
import { Provider } from "../providers/provider.types.js";
import { CreateServiceTypeInput, UpdateServiceTypeInput } from "./service-type.inputs.js";
import { ServiceType, ServiceTypeConnection } from "./service-type.types.js";

@Resolver(() => ServiceType)
export class CatalogResolver {
  @Query(() => ServiceTypeConnection, {
    description: "The service catalogs in reach: each provider's own, which its operators add services from.",
  })
  @Requires(Permission.CatalogRead)
  serviceTypes(
    @Ctx() ctx: RequestContext,
    @Args(() => PageArgs) page: PageArgs,
    @Arg("federated", () => Boolean, { nullable: true }) federated?: boolean,
    @Arg("providerId", () => ID, { nullable: true, description: "Only this provider's catalog." })
    providerId?: string,
    @Arg("retired", () => Boolean, {
      nullable: true,
      description: "true: only retired types; false: only those services can be added of; unset: both.",
    })
    retired?: boolean,
  ) {
    return ctx.services.catalog.list(
      ctx,
      {
        federated: federated ?? undefined,
        providerId: providerId ?? undefined,
        retired: retired ?? undefined,
      },
      page,
    );
  }

  @FieldResolver(() => Provider, { nullable: true, description: "The provider whose catalog it is in." })
  provider(@Root() t: ServiceType, @Ctx() ctx: RequestContext) {
    return ctx.loaders.providerById.load(t.providerId);
  }

  @Mutation(() => ServiceType, { description: "A service type of the provider's own (a bespoke service)." })
  @Requires(Permission.CatalogManage)
  async createServiceType(
    @Ctx() ctx: RequestContext,
    @Arg("input", () => CreateServiceTypeInput) input: CreateServiceTypeInput,
  ) {
    return reload(ctx, await ctx.services.catalog.create(ctx, input));
  }

  @Mutation(() => ServiceType, {
    description:
      "Changes a type; a field of a reference type changed here is kept when a release upgrades the reference.",
  })
  @Requires(Permission.CatalogManage)
  async updateServiceType(
    @Ctx() ctx: RequestContext,
    @Arg("id", () => ID) id: string,
    @Arg("input", () => UpdateServiceTypeInput) input: UpdateServiceTypeInput,
  ) {
    return reload(ctx, await ctx.services.catalog.update(ctx, id, input));
  }

  @Mutation(() => ServiceType, {
    description:
      "No new services of the type; existing ones keep working. IN_USE (naming the deployments) while services " +
      "of it exist, unless evenIfInUse.",
  })
  @Requires(Permission.CatalogManage)
  async retireServiceType(
    @Ctx() ctx: RequestContext,
    @Arg("id", () => ID) id: string,
    @Arg("evenIfInUse", () => Boolean, { defaultValue: false }) evenIfInUse: boolean,
  ) {
    return reload(ctx, await ctx.services.catalog.retire(ctx, id, evenIfInUse));
  }

  @Mutation(() => ServiceType, { description: "Services of a retired type can be added again." })
  @Requires(Permission.CatalogManage)
  async unretireServiceType(@Ctx() ctx: RequestContext, @Arg("id", () => ID) id: string) {
    return reload(ctx, await ctx.services.catalog.unretire(ctx, id));
  }
}

async function reload(ctx: RequestContext, id: string): Promise<ServiceType> {
  const t = await ctx.loaders.serviceTypeById.clear(id).load(id);
  if (!t) throw notFound("ServiceType");
  return t;
}
