import type { Caller } from "../common/caller.js";

/**
 * The application's services, one key per service. Empty here: each feature module adds its own
 * (declaration merging in its `<feature>.module.ts`), so this layer names no feature, and src/modules.ts
 * checks that the services it builds from the module list are exactly these.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface Services {}

/** What the composition root may tell the services at start: each feature module adds its own options. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ServiceOptions {}

/** The request's DataLoaders: each feature module adds its own, as for Services. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface Loaders {}

/** What every resolver receives: the caller (its access included), and the request's loaders and services. */
export type RequestContext = Caller & {
  loaders: Loaders;
  services: Services;
};
