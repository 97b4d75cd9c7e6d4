import { NetboxConnectionEntity } from "./netbox-connection.entity.js";
import { NetboxObjectEntity } from "./netbox-object.entity.js";
import { NetboxSyncRunEntity } from "./netbox-sync-run.entity.js";
import { NetboxTenantMappingEntity } from "./netbox-tenant-mapping.entity.js";

/** The tables netbox owns; src/entities.ts lists every feature's for the DataSource. */
export const netboxEntities = [
  NetboxConnectionEntity,
  NetboxObjectEntity,
  NetboxSyncRunEntity,
  NetboxTenantMappingEntity,
];
