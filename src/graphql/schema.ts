import type { GraphQLSchema } from "graphql";
import { buildSchema } from "type-graphql";
import {
  AccountingEventResolver,
  AccountingResolver,
  ChainHeadResolver,
  UsageReportResolver,
} from "../accounting/accounting.resolver.js";
import { UserResolver } from "../authn/accounts/user.resolver.js";
import { ClientResolver } from "../authn/clients/client.resolver.js";
import { MeResolver, MembershipResolver } from "../authn/me.resolver.js";
import { enforceRules } from "../authz/guard.js";
import { AccessExplanationResolver, PolicyResolver } from "../authz/policy.resolver.js";
import { CatalogResolver } from "../catalog/catalog.resolver.js";
import { DeploymentResolver } from "../deployments/deployment.resolver.js";
import { ServiceResolver } from "../deployments/service.resolver.js";
import { OperatorResolver } from "../operators/operator.resolver.js";
import { ProviderResolver } from "../providers/provider.resolver.js";
import { DeploymentRunsResolver, RunResolver } from "../runs/run.resolver.js";
import { RunEventsResolver, RunLogChunkResolver, noTopicPubSub } from "../runs/run-events.resolver.js";
import {
  DeploymentObservedResolver,
  ObservedResourceResolver,
} from "../resources/observed-resource.resolver.js";
import {
  NetboxConnectionResolver,
  NetboxResolver,
  NetboxSyncRunResolver,
  NetboxTenantMappingResolver,
} from "../netbox/netbox.resolver.js";
import { NETBOX_OBJECT_RESOLVERS } from "../netbox/netbox-objects.resolver.js";
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
  RunEventsResolver,
  RunLogChunkResolver,
  ObservedResourceResolver,
  DeploymentObservedResolver,
  PolicyResolver,
  AccessExplanationResolver,
  AccountingResolver,
  AccountingEventResolver,
  ChainHeadResolver,
  UsageReportResolver,
  MeResolver,
  MembershipResolver,
  UserResolver,
  ClientResolver,
  NetboxResolver,
  NetboxConnectionResolver,
  NetboxTenantMappingResolver,
  NetboxSyncRunResolver,
  ...NETBOX_OBJECT_RESOLVERS,
] as const;

/** Builds the executable schema from the decorated resolvers and types, its authorization rules enforced. */
export async function createSchema(): Promise<GraphQLSchema> {
  return enforceRules(await buildRawSchema());
}

/** The same schema without enforcement: for the authz benchmark's "authorization off" side only. */
export function buildRawSchema(): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: [...resolvers],
    validate: false,
    scalarsMap: [{ type: Date, scalar: DateTimeScalar }],
    pubSub: noTopicPubSub,
  });
}
