import { Arg, Ctx, ID, Mutation, Resolver } from "type-graphql";
import { Permission } from "../authz/permissions.js";
import { Requires } from "../authz/rules.js";
import { notFound } from "../common/errors.js";
import type { RequestContext } from "../api/context.js";
import { CoreServiceInput, ResourceProviderInput } from "./provider-components.inputs.js";
import { Provider } from "./provider.types.js";

@Resolver()
export class ProviderComponentsResolver {
  @Mutation(() => Provider, {
    description:
      "Adds the provider's implementation of a component type (one per type and implementation), or replaces its settings.",
  })
  @Requires(Permission.ProviderManage)
  async setResourceProvider(
    @Ctx() ctx: RequestContext,
    @Arg("providerId", () => ID) providerId: string,
    @Arg("input", () => ResourceProviderInput) input: ResourceProviderInput,
  ) {
    return provider(ctx, await ctx.services.providerComponents.setResourceProvider(ctx, providerId, input));
  }

  @Mutation(() => Provider, { description: "Removes a resource provider; returns its provider." })
  @Requires(Permission.ProviderManage)
  async removeResourceProvider(@Ctx() ctx: RequestContext, @Arg("id", () => ID) id: string) {
    return provider(ctx, await ctx.services.providerComponents.removeResourceProvider(ctx, id));
  }

  @Mutation(() => Provider, {
    description: "Adds a core service (one per kind and name), or replaces its endpoint and settings.",
  })
  @Requires(Permission.ProviderManage)
  async setCoreService(
    @Ctx() ctx: RequestContext,
    @Arg("providerId", () => ID) providerId: string,
    @Arg("input", () => CoreServiceInput) input: CoreServiceInput,
  ) {
    return provider(ctx, await ctx.services.providerComponents.setCoreService(ctx, providerId, input));
  }

  @Mutation(() => Provider, { description: "Removes a core service; returns its provider." })
  @Requires(Permission.ProviderManage)
  async removeCoreService(@Ctx() ctx: RequestContext, @Arg("id", () => ID) id: string) {
    return provider(ctx, await ctx.services.providerComponents.removeCoreService(ctx, id));
  }
}

async function provider(ctx: RequestContext, uuid: string): Promise<Provider> {
  const p = await ctx.loaders.providerById.clear(uuid).load(uuid);
  if (!p) throw notFound("Provider");
  return p;
}
