import { Arg } from "type-graphql";

/** The `apply` argument of the configuration mutations: true also queues a run of the result. */
export const ApplyArg = () =>
  Arg("apply", () => Boolean, {
    defaultValue: false,
    description:
      "Also queue a nixops4 apply of the resulting staged configuration, in the same transaction " +
      "(needs run:apply); the run is then the deployment's lastRun.",
  });
