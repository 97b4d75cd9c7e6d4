import { type GraphQLSchema, type GraphQLTypeResolver, isAbstractType } from "graphql";
import { buildSchema, getMetadataStorage } from "type-graphql";
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
export async function buildRawSchema(): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    resolvers: [NodeResolver, ...resolvers],
    validate: false,
    scalarsMap: [{ type: Date, scalar: DateTimeScalar }],
    pubSub: noTopicPubSub,
  });
  return withPlainTypeResolvers(schema);
}

/**
 * type-graphql wraps every interface's and union's resolveType in an async function; the compiled
 * execution (src/graphql/compiled-executor.ts) takes a type resolver's answer as it comes, so the
 * declared ones, which return the type's name, are installed as they are.
 */
function withPlainTypeResolvers(schema: GraphQLSchema): GraphQLSchema {
  const storage = getMetadataStorage();
  for (const declared of [...storage.interfaceTypes, ...storage.unions]) {
    const type = schema.getType(declared.name);
    if (declared.resolveType && type && isAbstractType(type))
      type.resolveType = declared.resolveType as GraphQLTypeResolver<unknown, unknown>;
  }
  return schema;
}
