import { Arg, Args, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import { Permission } from "../authz/permissions.js";
import { Requires } from "../authz/rules.js";
import { notFound } from "../common/errors.js";
import { expectGlobalId, fromGlobalId } from "../common/global-id.js";
import { PageArgs } from "../api/connection.js";
import type { RequestContext } from "../api/context.js";
import { Operator } from "../operators/operator.types.js";
import { Provider } from "../providers/provider.types.js";
import type { NetboxKind } from "./kinds.js";
import { NetboxConnectionInput, NetboxObjectFilter, NetboxSyncRunFilter } from "./netbox.inputs.js";
import {
  NETBOX_TYPE_NAMES,
  NetboxKindValue,
  NetboxObject,
  NetboxObjectConnection,
  NetboxTenant,
} from "./netbox.types.js";
import { NetboxSyncModeValue, NetboxSyncRun, NetboxSyncRunConnection } from "./sync-run.types.js";
import { NetboxConnection, NetboxConnectionTest, NetboxTenantMapping } from "./connection.types.js";

const NETBOX_TYPES = new Set(Object.values(NETBOX_TYPE_NAMES));

@Resolver()
export class NetboxResolver {
  @Query(() => NetboxConnection, { nullable: true, description: "The provider's NetBox connection, if any." })
  @Requires(Permission.NetboxRead)
  netboxConnection(@Ctx() ctx: RequestContext, @Arg("providerId", () => ID) providerId: string) {
    return ctx.services.netbox.connection(ctx, providerId);
  }

  @Mutation(() => NetboxConnection, {
    description:
      "Creates or changes the provider's NetBox connection. Changing the URL restarts from a full sync.",
  })
  @Requires(Permission.NetboxManage)
  async setNetboxConnection(
    @Ctx() ctx: RequestContext,
    @Arg("providerId", () => ID) providerId: string,
    @Arg("input", () => NetboxConnectionInput) input: NetboxConnectionInput,
  ) {
    await ctx.services.netbox.setConnection(ctx, providerId, input);
    return reloadConnection(ctx, providerId);
  }

  @Mutation(() => ID, { description: "Removes the connection and the mirror; returns the provider's id." })
  @Requires(Permission.NetboxManage)
  async removeNetboxConnection(@Ctx() ctx: RequestContext, @Arg("providerId", () => ID) providerId: string) {
    await ctx.services.netbox.removeConnection(ctx, providerId);
    return providerId;
  }

  @Mutation(() => NetboxConnectionTest, {
    description:
      "Asks NetBox for its version and whether the token can read each kind. Tests `input` when given " +
      "(an omitted token means the stored one), else the stored connection; stores nothing.",
  })
  @Requires(Permission.NetboxManage)
  testNetboxConnection(
    @Ctx() ctx: RequestContext,
    @Arg("providerId", () => ID) providerId: string,
    @Arg("input", () => NetboxConnectionInput, { nullable: true }) input?: NetboxConnectionInput,
  ) {
    return ctx.services.netbox.testConnection(ctx, providerId, input ?? undefined);
  }

  @Mutation(() => NetboxConnection, {
    description:
      "Links a NetBox tenant to an operator, overriding slug matching; a null operator links it to none.",
  })
  @Requires(Permission.NetboxManage)
  async setNetboxTenantMapping(
    @Ctx() ctx: RequestContext,
    @Arg("providerId", () => ID) providerId: string,
    @Arg("netboxTenantId", () => Int) netboxTenantId: number,
    @Arg("operatorId", () => ID, { nullable: true }) operatorId?: string | null,
  ) {
    await ctx.services.netbox.setTenantMapping(ctx, providerId, netboxTenantId, operatorId ?? null);
    return reloadConnection(ctx, providerId);
  }

  @Mutation(() => NetboxConnection, {
    description: "Removes an explicit tenant mapping (slug matching applies again).",
  })
  @Requires(Permission.NetboxManage)
  async removeNetboxTenantMapping(
    @Ctx() ctx: RequestContext,
    @Arg("providerId", () => ID) providerId: string,
    @Arg("netboxTenantId", () => Int) netboxTenantId: number,
  ) {
    await ctx.services.netbox.removeTenantMapping(ctx, providerId, netboxTenantId);
    return reloadConnection(ctx, providerId);
  }

  @Mutation(() => NetboxSyncRun, {
    description:
      "Queues a sync of the provider's NetBox; it starts within a second on a server's worker. " +
      "CONFLICT (with extensions.syncRunId) while one is queued or running.",
  })
  @Requires(Permission.NetboxSync)
  async syncNetbox(
    @Ctx() ctx: RequestContext,
    @Arg("providerId", () => ID) providerId: string,
    @Arg("mode", () => NetboxSyncModeValue) mode: NetboxSyncModeValue,
  ) {
    const id = await ctx.services.netbox.requestSync(ctx, providerId, mode);
    const run = await ctx.loaders.netboxSyncRunById.load(id);
    if (!run) throw notFound("NetboxSyncRun");
    return run;
  }

  @Query(() => NetboxSyncRunConnection, { description: "Sync runs, newest first." })
  @Requires(Permission.NetboxRead)
  netboxSyncRuns(
    @Ctx() ctx: RequestContext,
    @Args(() => PageArgs) page: PageArgs,
    @Arg("providerId", () => ID, { nullable: true }) providerId?: string,
    @Arg("filter", () => NetboxSyncRunFilter, { nullable: true }) filter?: NetboxSyncRunFilter,
  ) {
    return ctx.services.netbox.listRuns(ctx, providerId ?? undefined, filter ?? undefined, page);
  }

  @Query(() => NetboxSyncRun, { nullable: true })
  @Requires(Permission.NetboxRead)
  async netboxSyncRun(@Ctx() ctx: RequestContext, @Arg("id", () => ID) id: string) {
    const run = await ctx.loaders.netboxSyncRunById.load(expectGlobalId(id, "NetboxSyncRun", "id"));
    return run && ctx.services.netbox.mayReadProvider(ctx, run.providerId) ? run : null;
  }

  @Query(() => NetboxObjectConnection, {
    description:
      "The provider's mirrored objects of one kind, in NetBox id order. Filters that do not apply to the " +
      "kind match nothing (withinPrefix and containing refuse a kind they cannot apply to).",
  })
  @Requires(Permission.NetboxRead)
  netboxObjects(
    @Ctx() ctx: RequestContext,
    @Arg("providerId", () => ID) providerId: string,
    @Arg("kind", () => NetboxKindValue) kind: NetboxKindValue,
    @Args(() => PageArgs) page: PageArgs,
    @Arg("filter", () => NetboxObjectFilter, { nullable: true }) filter?: NetboxObjectFilter,
  ) {
    return ctx.services.netbox.listObjects(
      ctx,
      {
        providerId: expectGlobalId(providerId, "Provider", "providerId"),
        kind: kind as unknown as NetboxKind,
      },
      filter ?? undefined,
      page,
    );
  }

  @Query(() => NetboxObject, { nullable: true, description: "A mirrored object by its global id." })
  @Requires(Permission.NetboxRead)
  async netboxObject(@Ctx() ctx: RequestContext, @Arg("id", () => ID) id: string) {
    const parsed = fromGlobalId(id);
    if (!parsed || !NETBOX_TYPES.has(parsed.type)) return null;
    const obj = await ctx.loaders.netboxObjectById.load(parsed.id);
    if (!obj) return null;
    const visible = await ctx.services.netbox.mayReadObject(ctx, obj, (tenant) =>
      ctx.loaders.netboxOperatorOfTenant.load(tenant),
    );
    return visible ? obj : null;
  }
}

@Resolver(() => NetboxConnection)
export class NetboxConnectionResolver {
  @FieldResolver(() => Provider, { nullable: true })
  provider(@Root() c: NetboxConnection, @Ctx() ctx: RequestContext) {
    return ctx.loaders.providerById.load(c.providerUuid);
  }

  @FieldResolver(() => NetboxSyncRun, { nullable: true, description: "The most recently queued sync." })
  async lastSyncRun(@Root() c: NetboxConnection, @Ctx() ctx: RequestContext) {
    const page = await ctx.services.netbox.listRuns(ctx, toProviderGid(c), undefined, { first: 1 });
    return page.nodes[0] ?? null;
  }

  @FieldResolver(() => [NetboxTenantMapping], { description: "Explicit tenant → operator mappings." })
  tenantMappings(@Root() c: NetboxConnection, @Ctx() ctx: RequestContext) {
    return ctx.services.netbox.tenantMappings(c.providerUuid);
  }
}

const toProviderGid = (c: NetboxConnection) => c.providerId;

@Resolver(() => NetboxTenantMapping)
export class NetboxTenantMappingResolver {
  @FieldResolver(() => Operator, { nullable: true, description: "Null: the tenant belongs to no operator." })
  operator(@Root() m: NetboxTenantMapping, @Ctx() ctx: RequestContext) {
    return m.operatorUuid ? ctx.loaders.operatorById.load(m.operatorUuid) : null;
  }

  @FieldResolver(() => NetboxTenant, { nullable: true, description: "Null until a sync mirrored it." })
  tenant(@Root() m: NetboxTenantMapping, @Ctx() ctx: RequestContext) {
    return ctx.loaders.netboxObjectByRef.load({
      providerId: m.providerUuid,
      kind: "tenants",
      netboxId: m.netboxTenantId,
    });
  }
}

@Resolver(() => NetboxSyncRun)
export class NetboxSyncRunResolver {
  @FieldResolver(() => Provider, { nullable: true })
  provider(@Root() r: NetboxSyncRun, @Ctx() ctx: RequestContext) {
    return ctx.loaders.providerById.load(r.providerId);
  }
}

async function reloadConnection(ctx: RequestContext, providerId: string): Promise<NetboxConnection> {
  const c = await ctx.services.netbox.connection(ctx, providerId);
  if (!c) throw notFound("NetboxConnection");
  return c;
}
