import { ServiceTypeEntity } from "./service-type.entity.js";

/** The tables catalog owns; src/entities.ts lists every feature's for the DataSource. */
export const catalogEntities = [ServiceTypeEntity];
