import { Arg, Ctx, ID, Query, Resolver } from "type-graphql";
import type { RequestContext } from "../api/context.js";
import { Permission } from "../authz/permissions.js";
import { Requires } from "../authz/rules.js";
import { Capacity } from "./capacity.types.js";

@Resolver()
export class CapacityResolver {
  @Query(() => Capacity, {
    description:
      "Per resource, what the provider's operators booked against what its NetBox clusters have (provider staff).",
  })
  @Requires(Permission.ProviderInfoRead)
  capacity(@Ctx() ctx: RequestContext, @Arg("providerId", () => ID) providerId: string) {
    return ctx.services.capacity.ofProvider(ctx, providerId);
  }
}
