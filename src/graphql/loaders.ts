import { Access } from "../authz/access.js";
import { createCatalogLoaders } from "../catalog/service-type.loaders.js";
import type { Db } from "../db/db.js";
import { createDeploymentLoaders } from "../deployments/deployment.loaders.js";
import { createOperatorLoaders } from "../operators/operator.loaders.js";
import { createProviderLoaders } from "../providers/provider.loaders.js";
import { createNetboxLoaders } from "../netbox/netbox.loaders.js";
import { createObservedResourceLoaders } from "../resources/observed-resource.loaders.js";
import { createRunLoaders } from "../runs/run.loaders.js";

/**
 * Fresh per request, so a cached row never outlives the request that read it. Scoped by the request's
 * access: rows the caller may not read load as missing (no access: nothing).
 */
export function createLoaders(db: Db, access: Access = Access.anonymous()) {
  return {
    ...createProviderLoaders(db, access),
    ...createOperatorLoaders(db, access),
    ...createCatalogLoaders(db),
    ...createDeploymentLoaders(db, access),
    ...createRunLoaders(db, access),
    ...createObservedResourceLoaders(db),
    ...createNetboxLoaders(db),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
