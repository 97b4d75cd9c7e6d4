import { Arg, Args, Ctx, Query, Resolver } from "type-graphql";
import { Permission } from "../authz/permissions.js";
import { Requires } from "../authz/rules.js";
import { PageArgs } from "../api/connection.js";
import type { RequestContext } from "../api/context.js";
import { ServiceType, ServiceTypeConnection } from "./service-type.types.js";

@Resolver(() => ServiceType)
export class CatalogResolver {
  @Query(() => ServiceTypeConnection, { description: "The service catalog." })
  @Requires(Permission.CatalogRead)
  serviceTypes(
    @Ctx() ctx: RequestContext,
    @Args(() => PageArgs) page: PageArgs,
    @Arg("federated", () => Boolean, { nullable: true }) federated?: boolean,
  ) {
    return ctx.services.catalog.list(ctx, federated ?? undefined, page);
  }
}
