import { defineModule } from "../feature-module.js";
import { runsGrants } from "./runs.grants.js";
import { runsEntities } from "./runs.entities.js";
import { RunEventsResolver, RunLogChunkResolver } from "./run-events.resolver.js";
import { createRunLoaders } from "./run.loaders.js";
import { DeploymentRunsResolver, RunResolver } from "./run.resolver.js";
import { RunService } from "./run.service.js";

export const runsModule = defineModule({
  name: "runs",
  grants: runsGrants,
  entities: runsEntities,
  resolvers: [RunResolver, DeploymentRunsResolver, RunEventsResolver, RunLogChunkResolver],
  loaders: createRunLoaders,
  services: ({ ds, configSections }) => ({ runs: new RunService(ds, configSections) }),
  nodes: { Run: (l, id) => l.runById.load(id) },
  events: {
    applyDeployment: ["run.apply"],
    // A running run's cancel is pending until the worker ends it; a queued one fails its apply at once.
    cancelRun: ["run.cancel", "run.apply", "run.restore"],
  },
});

declare module "../api/context.js" {
  interface Services {
    runs: RunService;
  }
  interface Loaders extends ReturnType<typeof createRunLoaders> {}
}
