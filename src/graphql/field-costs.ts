import { MAX_LOG_PAGE } from "../runs/run.service.js";

/** An argument's value as the query gives it (a literal or a variable's value), or undefined. */
export type ArgumentOf = (name: string) => unknown;

/** What one occurrence of a field costs, before what its selections cost times its fan-out. */
export type FieldCost = number | ((arg: ArgumentOf) => number);

const LOG_PAGE_DEFAULT = 65536;

/** A log page costs a unit per 4 bytes it may return (it is sent twice: as text and as base64). */
const logPageCost: FieldCost = (arg) => {
  const limit = arg("limit");
  const bytes = typeof limit === "number" ? Math.min(Math.max(limit, 0), MAX_LOG_PAGE) : LOG_PAGE_DEFAULT;
  return 1 + Math.ceil(bytes / 4);
};

/**
 * Fields whose work or output is large, by `Type.field` (introspection as `Query.__schema`); every other
 * field costs 1. A name here that the schema lacks stops the server at start (src/graphql/query-figures.ts).
 */
export const FIELD_COSTS: Readonly<Record<string, FieldCost>> = {
  "Query.__schema": 100_000,
  "Query.__type": 1_000,
  // Reads every stored stderr byte of the run (up to RUN_LOG_CAP_BYTES).
  "Run.progress": 100_000,
  "Run.log": logPageCost,
  "Run.config": 1_000,
  "Query.deploymentConfig": 1_000,
  "Deployment.drift": 1_000,
  "Query.accountingEvents": 1_000,
  "Query.usageReport": 20_000,
  // Hashes and links every event of the stretch it checks.
  "Query.verifyChain": 100_000,
  "Query.chainHeads": 1_000,
  "Query.explainAccess": 1_000,
  "Query.netboxObjects": 100,
  "OperatorNetbox.tenants": 100,
  "OperatorNetbox.virtualMachines": 100,
  "OperatorNetbox.ipAddresses": 100,
  "OperatorNetbox.prefixes": 100,
  "NetboxDevice.interfaces": 100,
  "NetboxPrefix.ipAddresses": 100,
  "NetboxCluster.virtualMachines": 100,
  // Calls the provider's NetBox once per kind.
  "Mutation.testNetboxConnection": 10_000,
};
