import { OperatorEntity } from "./operator.entity.js";

/** The tables operators owns; src/entities.ts lists every feature's for the DataSource. */
export const operatorsEntities = [OperatorEntity];
