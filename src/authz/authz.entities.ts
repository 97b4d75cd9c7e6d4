import { CasbinRuleEntity } from "./casbin-rule.entity.js";

/** The tables authz owns; src/entities.ts lists every feature's for the DataSource. */
export const authzEntities = [CasbinRuleEntity];
