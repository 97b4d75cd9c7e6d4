import { AccountingEventEntity } from "../accounting/accounting-event.entity.js";
import { ServiceTypeEntity } from "../catalog/service-type.entity.js";
import { DeploymentEntity } from "../deployments/deployment.entity.js";
import { ServiceEntity } from "../deployments/service.entity.js";
import { OperatorEntity } from "../operators/operator.entity.js";
import { CoreServiceEntity } from "../providers/core-service.entity.js";
import { ProviderEntity } from "../providers/provider.entity.js";
import { ResourceProviderEntity } from "../providers/resource-provider.entity.js";
import { RunLogChunkEntity } from "../runs/run-log-chunk.entity.js";
import { RunEntity } from "../runs/run.entity.js";

// The one list of mapped tables; migrations are checked against exactly these.
export const entities = [
  ProviderEntity,
  ResourceProviderEntity,
  CoreServiceEntity,
  OperatorEntity,
  ServiceTypeEntity,
  DeploymentEntity,
  ServiceEntity,
  AccountingEventEntity,
  RunEntity,
  RunLogChunkEntity,
];
