import { DeploymentEntity } from "./deployment.entity.js";
import { ServiceEntity } from "./service.entity.js";

/** The tables deployments owns; src/entities.ts lists every feature's for the DataSource. */
export const deploymentsEntities = [DeploymentEntity, ServiceEntity];
