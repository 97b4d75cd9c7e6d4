import { defineModule } from "../feature-module.js";
import { operatorProjection, operatorsRoot } from "./operator.projection.js";
import { operatorsGrants } from "./operators.grants.js";
import { operatorsEntities } from "./operators.entities.js";
import { createOperatorLoaders } from "./operator.loaders.js";
import { OperatorResolver } from "./operator.resolver.js";
import { OperatorService } from "./operator.service.js";

export const operatorsModule = defineModule({
  name: "operators",
  grants: operatorsGrants,
  entities: operatorsEntities,
  resolvers: [OperatorResolver],
  loaders: createOperatorLoaders,
  projections: [operatorProjection],
  sqlRoots: [operatorsRoot],
  services: ({ ds }) => ({ operators: new OperatorService(ds) }),
  nodes: { Operator: (l, id) => l.operatorById.load(id) },
  events: {
    createOperator: ["operator.create"],
    updateOperator: ["operator.update"],
    suspendOperator: ["operator.suspend"],
    resumeOperator: ["operator.resume"],
    setOperatorQuota: ["operator.update"],
    setOperatorBespokeInfo: ["operator.update"],
  },
});

declare module "../api/context.js" {
  interface Services {
    operators: OperatorService;
  }
  interface Loaders extends ReturnType<typeof createOperatorLoaders> {}
}
