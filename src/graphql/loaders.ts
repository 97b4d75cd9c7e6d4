import { createCatalogLoaders } from "../catalog/service-type.loaders.js";
import type { Db } from "../db/db.js";
import { createDeploymentLoaders } from "../deployments/deployment.loaders.js";
import { createOperatorLoaders } from "../operators/operator.loaders.js";
import { createProviderLoaders } from "../providers/provider.loaders.js";
import { createRunLoaders } from "../runs/run.loaders.js";

/** Fresh per request, so a cached row never outlives the request that read it. */
export function createLoaders(db: Db) {
  return {
    ...createProviderLoaders(db),
    ...createOperatorLoaders(db),
    ...createCatalogLoaders(db),
    ...createDeploymentLoaders(db),
    ...createRunLoaders(db),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
