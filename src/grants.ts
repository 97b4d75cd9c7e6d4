import { backupsGrants } from "./backups/backups.grants.js";
import { accountingGrants } from "./accounting/accounting.grants.js";
import { authnGrants } from "./authn/authn.grants.js";
import { type RoleCatalogue, buildCatalogue } from "./authz/catalogue.js";
import { authzGrants } from "./authz/authz.grants.js";
import { capacityGrants } from "./capacity/capacity.grants.js";
import { catalogGrants } from "./catalog/catalog.grants.js";
import { deploymentsGrants } from "./deployments/deployments.grants.js";
import { netboxGrants } from "./netbox/netbox.grants.js";
import { operatorsGrants } from "./operators/operators.grants.js";
import { providersGrants } from "./providers/providers.grants.js";
import { resourcesGrants } from "./resources/resources.grants.js";
import { runsGrants } from "./runs/runs.grants.js";
import { restoresGrants } from "./backups/restores/restores.grants.js";

/**
 * Every module's grants, for what needs the role catalogue without loading the modules (the command
 * line): test/unit/modules.test.ts checks that it is the module list's, module by module.
 */
export const moduleGrants = [
  { name: "providers", grants: providersGrants },
  { name: "operators", grants: operatorsGrants },
  { name: "deployments", grants: deploymentsGrants },
  { name: "catalog", grants: catalogGrants },
  { name: "runs", grants: runsGrants },
  { name: "resources", grants: resourcesGrants },
  { name: "authz", grants: authzGrants },
  { name: "accounting", grants: accountingGrants },
  { name: "authn", grants: authnGrants },
  { name: "netbox", grants: netboxGrants },
  { name: "backups", grants: backupsGrants },
  { name: "capacity", grants: capacityGrants },
  { name: "backup-restores", grants: restoresGrants },
];

export const catalogue: RoleCatalogue = buildCatalogue(moduleGrants);
