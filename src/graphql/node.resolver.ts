import { Arg, Ctx, ID, Query, Resolver } from "type-graphql";
import { Permission } from "../authz/permissions.js";
import { Requires } from "../authz/rules.js";
import { fromGlobalId } from "../common/global-id.js";
import { badInput } from "../common/errors.js";
import { MAX_PAGE_SIZE } from "../api/connection.js";
import type { RequestContext } from "../api/context.js";
import { Node } from "../api/node.js";
import { nodeLoaders } from "../modules.js";

// Types fetchable by node(id) are those the modules declare; each object is loaded within the caller's scope.

@Resolver()
export class NodeResolver {
  @Query(() => Node, { nullable: true, description: "Any object by its global id; null when there is none." })
  @Requires(Permission.OperatorRead)
  node(@Ctx() ctx: RequestContext, @Arg("id", () => ID) id: string) {
    return loadNode(ctx, id);
  }

  @Query(() => [Node], {
    nullable: "items",
    description: `Objects by global id, in order; null where there is none. At most ${MAX_PAGE_SIZE} ids.`,
  })
  @Requires(Permission.OperatorRead)
  nodes(@Ctx() ctx: RequestContext, @Arg("ids", () => [ID]) ids: string[]) {
    if (ids.length > MAX_PAGE_SIZE) throw badInput("ids", `at most ${MAX_PAGE_SIZE} ids at once`);
    return Promise.all(ids.map((id) => loadNode(ctx, id)));
  }
}

async function loadNode(ctx: RequestContext, globalId: string): Promise<Node | null> {
  const parsed = fromGlobalId(globalId);
  const load = parsed && Object.hasOwn(nodeLoaders, parsed.type) ? nodeLoaders[parsed.type] : undefined;
  return load && parsed ? ((await load(ctx.loaders, parsed.id)) as Node | null) : null;
}
