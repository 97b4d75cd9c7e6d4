import type { GraphQLSchema } from "graphql";
import { buildSchema } from "type-graphql";
import { DateTimeScalar } from "../api/scalars.js";
import { enforceRules } from "../authz/guard.js";
import { resolvers } from "../modules.js";
import { noTopicPubSub } from "../runs/run-events.resolver.js";
import { NodeResolver } from "./node.resolver.js";

/** Builds the executable schema from the decorated resolvers and types, its authorization rules enforced. */
export async function createSchema(): Promise<GraphQLSchema> {
  return enforceRules(await buildRawSchema());
}

/** The same schema without enforcement: for the authz benchmark's "authorization off" side only. */
export function buildRawSchema(): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: [NodeResolver, ...resolvers],
    validate: false,
    scalarsMap: [{ type: Date, scalar: DateTimeScalar }],
    pubSub: noTopicPubSub,
  });
}
