import type { ModuleGrants } from "../authz/catalogue.js";

/** Capacity owns no permission: it is provider staff's information, `provider-info:read` (providers'). */
export const capacityGrants: ModuleGrants = {};
