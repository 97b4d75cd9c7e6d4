import type { GraphQLSchema } from "graphql";
import { buildSchema } from "type-graphql";
import { CatalogResolver } from "../catalog/catalog.resolver.js";
import { DeploymentResolver } from "../deployments/deployment.resolver.js";
import { ServiceResolver } from "../deployments/service.resolver.js";
import { OperatorResolver } from "../operators/operator.resolver.js";
import { ProviderResolver } from "../providers/provider.resolver.js";
import { DeploymentRunsResolver, RunResolver } from "../runs/run.resolver.js";
import { NodeResolver } from "./node.resolver.js";
import { DateTimeScalar } from "./scalars.js";

export const resolvers = [
  NodeResolver,
  ProviderResolver,
  OperatorResolver,
  DeploymentResolver,
  ServiceResolver,
  CatalogResolver,
  RunResolver,
  DeploymentRunsResolver,
] as const;

/** Builds the executable schema from the decorated resolvers and types. */
export function createSchema(): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: [...resolvers],
    validate: false,
    scalarsMap: [{ type: Date, scalar: DateTimeScalar }],
  });
}
