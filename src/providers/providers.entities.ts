import { CoreServiceEntity } from "./core-service.entity.js";
import { ProviderEntity } from "./provider.entity.js";
import { ResourceProviderEntity } from "./resource-provider.entity.js";

/** The tables providers owns; src/entities.ts lists every feature's for the DataSource. */
export const providersEntities = [ProviderEntity, ResourceProviderEntity, CoreServiceEntity];
