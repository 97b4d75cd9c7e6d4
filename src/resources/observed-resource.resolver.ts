import { Arg, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from "type-graphql";
import { Permission } from "../authz/permissions.js";
import { Requires } from "../authz/rules.js";
import { notFound } from "../common/errors.js";
import { Deployment, Service } from "../deployments/deployment.types.js";
import type { RequestContext } from "../api/context.js";
import { ResourceStateInput } from "./observed-resource.inputs.js";
import { computeDrift } from "./observed-resource.service.js";
import { DeploymentDrift, ObservedResource } from "./observed-resource.types.js";

@Resolver(() => ObservedResource)
export class ObservedResourceResolver {
  @Mutation(() => Deployment, {
    description:
      "For resource providers (config-reader service accounts): what they found per resource of the " +
      "deployment. A newer observation replaces an older one. With complete: true the report is the whole " +
      "picture and resources it does not name are forgotten.",
  })
  @Requires(Permission.StateReport)
  async reportResourceState(
    @Ctx() ctx: RequestContext,
    @Arg("deploymentId", () => ID) deploymentId: string,
    @Arg("resources", () => [ResourceStateInput]) resources: ResourceStateInput[],
    @Arg("complete", () => Boolean, { defaultValue: false }) complete: boolean,
  ) {
    const id = await ctx.services.observedResources.report(ctx, deploymentId, resources, complete);
    const d = await ctx.loaders.reportedDeploymentById.load(id);
    if (!d) throw notFound("Deployment");
    return d;
  }

  @FieldResolver(() => Service, { nullable: true, description: "Null when it has none or it was removed." })
  service(@Root() r: ObservedResource, @Ctx() ctx: RequestContext) {
    return r.serviceUuid && !r.orphaned ? ctx.loaders.serviceById.load(r.serviceUuid) : null;
  }
}

@Resolver(() => Deployment)
export class DeploymentObservedResolver {
  @FieldResolver(() => [ObservedResource], {
    description: "What resource providers reported, by kind and name; orphaned ones included.",
  })
  observedResources(@Root() d: Deployment, @Ctx() ctx: RequestContext) {
    return ctx.loaders.observedResourcesByDeployment.load(d.uuid);
  }

  @FieldResolver(() => DeploymentDrift, {
    description: "The deployed configuration next to what was observed, and where they differ.",
  })
  async drift(@Root() d: Deployment, @Ctx() ctx: RequestContext) {
    const [desired, observed] = await Promise.all([
      ctx.loaders.desiredStateByDeployment.load(d.uuid),
      ctx.loaders.observedResourcesByDeployment.load(d.uuid),
    ]);
    if (!desired) throw notFound("Deployment", d.id);
    return computeDrift(desired, observed);
  }
}
