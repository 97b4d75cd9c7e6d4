import { defineModule } from "../feature-module.js";
import { backupsEntities } from "./backups.entities.js";
import { backupsGrants } from "./backups.grants.js";

export const backupsModule = defineModule({
  name: "backups",
  grants: backupsGrants,
  entities: backupsEntities,
});
