import { Arg, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from "type-graphql";
import { ApplyArg } from "../runs/apply-arg.js";
import { Permission } from "../authz/permissions.js";
import { Requires } from "../authz/rules.js";
import { ServiceType } from "../catalog/service-type.types.js";
import { notFound } from "../common/errors.js";
import type { RequestContext } from "../api/context.js";
import { AddServiceInput, ConfigureServiceInput } from "./deployment.inputs.js";
import { Deployment, Service } from "./deployment.types.js";

@Resolver(() => Service)
export class ServiceResolver {
  @FieldResolver(() => ServiceType)
  serviceType(@Root() s: Service, @Ctx() ctx: RequestContext) {
    return ctx.loaders.serviceTypeById.load(s.serviceTypeId);
  }

  @FieldResolver(() => Deployment)
  deployment(@Root() s: Service, @Ctx() ctx: RequestContext) {
    return ctx.loaders.deploymentById.load(s.deploymentId);
  }

  @Mutation(() => Service, { description: "Adds a service to a deployment; its staged generation goes up." })
  @Requires(Permission.DeploymentWrite)
  async addService(
    @Ctx() ctx: RequestContext,
    @Arg("input", () => AddServiceInput) input: AddServiceInput,
    @ApplyArg() apply: boolean,
  ) {
    return reload(ctx, await ctx.services.deployments.addService(ctx, input, { apply }));
  }

  @Mutation(() => Service)
  @Requires(Permission.DeploymentWrite)
  async configureService(
    @Ctx() ctx: RequestContext,
    @Arg("id", () => ID) id: string,
    @Arg("input", () => ConfigureServiceInput) input: ConfigureServiceInput,
    @ApplyArg() apply: boolean,
  ) {
    return reload(ctx, await ctx.services.deployments.configureService(ctx, id, input, { apply }));
  }

  @Mutation(() => Service)
  @Requires(Permission.DeploymentWrite)
  async enableService(
    @Ctx() ctx: RequestContext,
    @Arg("id", () => ID) id: string,
    @ApplyArg() apply: boolean,
  ) {
    return reload(ctx, await ctx.services.deployments.setServiceEnabled(ctx, id, true, { apply }));
  }

  @Mutation(() => Service)
  @Requires(Permission.DeploymentWrite)
  async disableService(
    @Ctx() ctx: RequestContext,
    @Arg("id", () => ID) id: string,
    @ApplyArg() apply: boolean,
  ) {
    return reload(ctx, await ctx.services.deployments.setServiceEnabled(ctx, id, false, { apply }));
  }

  @Mutation(() => ID, { description: "Removes a service from the staged configuration; returns its id." })
  @Requires(Permission.DeploymentWrite)
  async removeService(
    @Ctx() ctx: RequestContext,
    @Arg("id", () => ID) id: string,
    @ApplyArg() apply: boolean,
  ) {
    await ctx.services.deployments.removeService(ctx, id, { apply });
    return id;
  }
}

async function reload(ctx: RequestContext, id: string): Promise<Service> {
  const s = await ctx.loaders.serviceById.clear(id).load(id);
  if (!s) throw notFound("Service");
  return s;
}
