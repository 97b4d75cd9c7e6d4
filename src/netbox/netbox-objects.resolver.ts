// Relations between mirrored objects (NetBox ids resolved through one batched loader per request), and
// what an operator sees: the VMs, IP addresses and prefixes of its own NetBox tenants.
import { Args, Ctx, FieldResolver, Resolver, Root, Arg } from "type-graphql";
import { Permission } from "../authz/permissions.js";
import { Requires } from "../authz/rules.js";
import { PageArgs } from "../api/connection.js";
import type { RequestContext } from "../api/context.js";
import { JSONObjectScalar } from "../api/scalars.js";
import { Operator } from "../operators/operator.types.js";
import type { NetboxKind } from "./kinds.js";
import { NetboxObjectFilter } from "./netbox.inputs.js";
import {
  NetboxCluster,
  NetboxDevice,
  NetboxInterface,
  NetboxInterfaceConnection,
  NetboxIpAddress,
  NetboxIpAddressConnection,
  NetboxObject,
  type NetboxObjectRow,
  NetboxPrefix,
  NetboxPrefixConnection,
  NetboxRack,
  NetboxSite,
  NetboxTenant,
  NetboxVirtualMachine,
  NetboxVirtualMachineConnection,
  NetboxVlan,
  OperatorNetbox,
} from "./netbox.types.js";

const ref = (ctx: RequestContext, o: { providerId: string }, kind: NetboxKind, netboxId: number | null) =>
  netboxId === null ? null : ctx.loaders.netboxObjectByRef.load({ providerId: o.providerId, kind, netboxId });

const row = (o: unknown) => o as NetboxObjectRow;

const children = (
  ctx: RequestContext,
  parent: NetboxObjectRow,
  kind: NetboxKind,
  filter: NetboxObjectFilter,
  page: PageArgs,
) => ctx.services.netbox.listObjects(ctx, { providerId: parent.providerId, kind }, filter, page);

@Resolver(() => NetboxObject)
export class NetboxObjectFieldsResolver {
  @FieldResolver(() => NetboxTenant, { nullable: true })
  tenant(@Root() o: NetboxObjectRow, @Ctx() ctx: RequestContext) {
    return ref(ctx, o, "tenants", o.tenantId);
  }

  @FieldResolver(() => JSONObjectScalar, { description: "The object exactly as NetBox returned it." })
  raw(@Root() o: NetboxObjectRow, @Ctx() ctx: RequestContext) {
    return ctx.loaders.netboxRawById.load(o.uuid);
  }
}

@Resolver(() => NetboxTenant)
export class NetboxTenantResolver {
  @FieldResolver(() => Operator, {
    nullable: true,
    description: "The operator this tenant belongs to: mapped explicitly, or by slug.",
  })
  async operator(@Root() t: NetboxTenant, @Ctx() ctx: RequestContext) {
    const id = await ctx.loaders.netboxOperatorOfTenant.load({
      providerId: t.providerId,
      tenantId: t.netboxId,
    });
    return id ? ctx.loaders.operatorById.load(id) : null;
  }
}

@Resolver(() => NetboxRack)
export class NetboxRackResolver {
  @FieldResolver(() => NetboxSite, { nullable: true })
  site(@Root() o: NetboxRack, @Ctx() ctx: RequestContext) {
    return ref(ctx, o, "sites", row(o).siteId);
  }
}

@Resolver(() => NetboxDevice)
export class NetboxDeviceResolver {
  @FieldResolver(() => NetboxSite, { nullable: true })
  site(@Root() o: NetboxDevice, @Ctx() ctx: RequestContext) {
    return ref(ctx, o, "sites", row(o).siteId);
  }

  @FieldResolver(() => NetboxRack, { nullable: true })
  rack(@Root() o: NetboxDevice, @Ctx() ctx: RequestContext) {
    return ref(ctx, o, "racks", row(o).rackId);
  }

  @FieldResolver(() => NetboxCluster, { nullable: true })
  cluster(@Root() o: NetboxDevice, @Ctx() ctx: RequestContext) {
    return ref(ctx, o, "clusters", row(o).clusterId);
  }

  @FieldResolver(() => NetboxInterfaceConnection)
  interfaces(@Root() o: NetboxDevice, @Ctx() ctx: RequestContext, @Args(() => PageArgs) page: PageArgs) {
    return children(ctx, row(o), "interfaces", { deviceId: o.netboxId }, page);
  }
}

@Resolver(() => NetboxInterface)
export class NetboxInterfaceResolver {
  @FieldResolver(() => NetboxDevice, { nullable: true })
  device(@Root() o: NetboxInterface, @Ctx() ctx: RequestContext) {
    return ref(ctx, o, "devices", row(o).deviceId);
  }
}

@Resolver(() => NetboxPrefix)
export class NetboxPrefixResolver {
  @FieldResolver(() => NetboxSite, { nullable: true })
  site(@Root() o: NetboxPrefix, @Ctx() ctx: RequestContext) {
    return ref(ctx, o, "sites", row(o).siteId);
  }

  @FieldResolver(() => NetboxIpAddressConnection, {
    description: "IP addresses inside the prefix, in its VRF.",
  })
  ipAddresses(@Root() o: NetboxPrefix, @Ctx() ctx: RequestContext, @Args(() => PageArgs) page: PageArgs) {
    const p = row(o);
    // Every mirrored prefix has one (mirror-row.ts requires it).
    return ctx.services.netbox.listObjects(
      ctx,
      { providerId: p.providerId, kind: "ip-addresses", vrf: p.vrfId },
      { withinPrefix: p.prefix! },
      page,
    );
  }
}

@Resolver(() => NetboxIpAddress)
export class NetboxIpAddressResolver {
  @FieldResolver(() => NetboxDevice, { nullable: true })
  device(@Root() o: NetboxIpAddress, @Ctx() ctx: RequestContext) {
    return ref(ctx, o, "devices", row(o).deviceId);
  }

  @FieldResolver(() => NetboxVirtualMachine, { nullable: true })
  virtualMachine(@Root() o: NetboxIpAddress, @Ctx() ctx: RequestContext) {
    return ref(ctx, o, "virtual-machines", row(o).virtualMachineId);
  }
}

@Resolver(() => NetboxVlan)
export class NetboxVlanResolver {
  @FieldResolver(() => NetboxSite, { nullable: true })
  site(@Root() o: NetboxVlan, @Ctx() ctx: RequestContext) {
    return ref(ctx, o, "sites", row(o).siteId);
  }
}

@Resolver(() => NetboxCluster)
export class NetboxClusterResolver {
  @FieldResolver(() => NetboxSite, { nullable: true })
  site(@Root() o: NetboxCluster, @Ctx() ctx: RequestContext) {
    return ref(ctx, o, "sites", row(o).siteId);
  }

  @FieldResolver(() => String, { nullable: true, description: "Slug of the cluster type." })
  clusterType(@Root() o: NetboxCluster) {
    return row(o).role;
  }

  @FieldResolver(() => NetboxVirtualMachineConnection)
  virtualMachines(
    @Root() o: NetboxCluster,
    @Ctx() ctx: RequestContext,
    @Args(() => PageArgs) page: PageArgs,
  ) {
    return children(ctx, row(o), "virtual-machines", { clusterId: o.netboxId }, page);
  }
}

@Resolver(() => NetboxVirtualMachine)
export class NetboxVirtualMachineResolver {
  @FieldResolver(() => NetboxSite, { nullable: true })
  site(@Root() o: NetboxVirtualMachine, @Ctx() ctx: RequestContext) {
    return ref(ctx, o, "sites", row(o).siteId);
  }

  @FieldResolver(() => NetboxCluster, { nullable: true })
  cluster(@Root() o: NetboxVirtualMachine, @Ctx() ctx: RequestContext) {
    return ref(ctx, o, "clusters", row(o).clusterId);
  }

  @FieldResolver(() => NetboxDevice, { nullable: true })
  device(@Root() o: NetboxVirtualMachine, @Ctx() ctx: RequestContext) {
    return ref(ctx, o, "devices", row(o).deviceId);
  }
}

@Resolver(() => Operator)
export class OperatorNetboxResolver {
  @FieldResolver(() => OperatorNetbox, {
    description: "The operator's own NetBox objects: those of the tenants linked to it.",
  })
  @Requires(Permission.NetboxRead)
  netbox(@Root() op: Operator) {
    return { operatorUuid: op.uuid, providerUuid: op.providerId };
  }
}

@Resolver(() => OperatorNetbox)
export class OperatorNetboxFieldsResolver {
  @FieldResolver(() => [NetboxTenant], { description: "NetBox tenants linked to the operator." })
  async tenants(@Root() o: OperatorNetbox, @Ctx() ctx: RequestContext) {
    const page = await this.list(ctx, o, "tenants", {}, { first: 100 });
    return page.nodes;
  }

  @FieldResolver(() => NetboxVirtualMachineConnection)
  virtualMachines(
    @Root() o: OperatorNetbox,
    @Ctx() ctx: RequestContext,
    @Args(() => PageArgs) page: PageArgs,
    @Arg("filter", () => NetboxObjectFilter, { nullable: true }) filter?: NetboxObjectFilter,
  ) {
    return this.list(ctx, o, "virtual-machines", filter ?? {}, page);
  }

  @FieldResolver(() => NetboxIpAddressConnection)
  ipAddresses(
    @Root() o: OperatorNetbox,
    @Ctx() ctx: RequestContext,
    @Args(() => PageArgs) page: PageArgs,
    @Arg("filter", () => NetboxObjectFilter, { nullable: true }) filter?: NetboxObjectFilter,
  ) {
    return this.list(ctx, o, "ip-addresses", filter ?? {}, page);
  }

  @FieldResolver(() => NetboxPrefixConnection)
  prefixes(
    @Root() o: OperatorNetbox,
    @Ctx() ctx: RequestContext,
    @Args(() => PageArgs) page: PageArgs,
    @Arg("filter", () => NetboxObjectFilter, { nullable: true }) filter?: NetboxObjectFilter,
  ) {
    return this.list(ctx, o, "prefixes", filter ?? {}, page);
  }

  private list(
    ctx: RequestContext,
    o: OperatorNetbox,
    kind: NetboxKind,
    filter: NetboxObjectFilter,
    page: PageArgs,
  ) {
    return ctx.services.netbox.listObjects(
      ctx,
      { providerId: o.providerUuid, kind, operatorId: o.operatorUuid },
      filter,
      page,
    );
  }
}

/** Every resolver of this file, for the schema's list. */
export const NETBOX_OBJECT_RESOLVERS = [
  NetboxObjectFieldsResolver,
  NetboxTenantResolver,
  NetboxRackResolver,
  NetboxDeviceResolver,
  NetboxInterfaceResolver,
  NetboxPrefixResolver,
  NetboxIpAddressResolver,
  NetboxVlanResolver,
  NetboxClusterResolver,
  NetboxVirtualMachineResolver,
  OperatorNetboxResolver,
  OperatorNetboxFieldsResolver,
] as const;
