import { accountingEntities } from "./accounting/accounting.entities.js";
import { backupsEntities } from "./backups/backups.entities.js";
import { authnEntities } from "./authn/authn.entities.js";
import { authzEntities } from "./authz/authz.entities.js";
import { catalogEntities } from "./catalog/catalog.entities.js";
import { deploymentsEntities } from "./deployments/deployments.entities.js";
import { netboxEntities } from "./netbox/netbox.entities.js";
import { operatorsEntities } from "./operators/operators.entities.js";
import { providersEntities } from "./providers/providers.entities.js";
import { resourcesEntities } from "./resources/resources.entities.js";
import { runsEntities } from "./runs/runs.entities.js";

/**
 * The one list of mapped tables, every feature module's; migrations are checked against exactly these.
 * Apart from the module list so that what needs only the database (the run worker, the command line)
 * loads no resolver or service: test/unit/modules.test.ts checks that both name the same tables.
 */
export const entities = [
  ...providersEntities,
  ...operatorsEntities,
  ...deploymentsEntities,
  ...catalogEntities,
  ...runsEntities,
  ...resourcesEntities,
  ...authzEntities,
  ...accountingEntities,
  ...authnEntities,
  ...netboxEntities,
  ...backupsEntities,
];
