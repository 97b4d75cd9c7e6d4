import { ObservedResourceEntity } from "./observed-resource.entity.js";

/** The tables resources owns; src/entities.ts lists every feature's for the DataSource. */
export const resourcesEntities = [ObservedResourceEntity];
