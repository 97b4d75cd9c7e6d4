import type { DataSource } from "typeorm";
import type { Loaders, ServiceOptions, Services } from "./api/context.js";
import type { Access } from "./authz/access.js";
import type { ModuleGrants, RoleCatalogue } from "./authz/catalogue.js";
import type { Db } from "./db/db.js";
import type { ServiceConfigSection } from "./deployments/config-section.js";
import type { Logger } from "./logger.js";
import type { SqlProjection, SqlRoot } from "./api/sql-projection.js";

/** What a module's service factory is given. */
export type ServiceDeps = {
  ds: DataSource;
  log: Logger;
  options: ServiceOptions;
  /** The permissions, roles and read permissions the modules declare. */
  catalogue: RoleCatalogue;
  /** Every module's sections of the services' entries in deployment.json, for the document's builder. */
  configSections: readonly ServiceConfigSection[];
  /**
   * A service of a module listed earlier: the module list is in dependency order, and a service used
   * before its module is listed stops the process at start.
   */
  use<K extends keyof Services>(name: K): Services[K];
};

/** A loader that node(id) fetches one type's objects with; null where there is none (or none to see). */
export type NodeLoader = (loaders: Loaders, id: string) => Promise<object | null>;

/**
 * One feature: everything it brings to the application, in its own folder. The application's central
 * lists (entities, resolvers, loaders, services, node types, mutations' accounting events, permissions
 * and their grants) are derived
 * from the module list in src/modules.ts; a module adds its services and loaders to the request context's
 * types by declaration merging (src/api/context.ts).
 */
export type FeatureModule = {
  name: string;
  /** The tables it owns (TypeORM entities); the migration drift check compares every module's. */
  entities?: readonly (abstract new (...args: never[]) => unknown)[];
  /** Its type-graphql resolver classes. */
  resolvers?: readonly (abstract new (...args: never[]) => unknown)[];
  /** Its per-request DataLoaders, scoped by the request's access. */
  loaders?: (db: Db, access: Access) => object;
  /** Its services, built once per process. */
  services?: (deps: ServiceDeps) => object;
  /** The types of its that node(id) fetches, by GraphQL type name. */
  nodes?: Readonly<Record<string, NodeLoader>>;
  /**
   * The accounting events each of its mutations writes when it succeeds, as `<target kind>.<action>`: a
   * test walks the schema and fails when a mutation declares none.
   */
  events?: Readonly<Record<string, readonly [string, ...string[]]>>;
  /** How its types' fields read in SQL, for reads answered in one statement (src/graphql/sql-read/, src/api/sql-projection.ts). */
  projections?: readonly SqlProjection[];
  /** Its root connections answered in one statement when every selected field has a projection. */
  sqlRoots?: readonly SqlRoot[];
  /** Its parts of each service's entry in deployment.json (src/deployments/config-section.ts). */
  configSections?: readonly ServiceConfigSection[];
  /** Its mutations that write no accounting event, each with the reason. */
  eventless?: Readonly<Record<string, string>>;
  /**
   * The permissions it owns with the roles granted each, and its node kinds' read permissions (in
   * `<feature>.grants.ts`): the role catalogue is derived from these (src/authz/catalogue.ts).
   */
  grants?: ModuleGrants;
};

/** Declares a module, keeping its precise type (src/modules.ts derives the context's types from it). */
export const defineModule = <M extends FeatureModule>(module: M): M => module;
