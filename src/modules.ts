import type { DataSource } from "typeorm";
import { type SqlReadRegistry, sqlReadRegistry } from "./api/sql-projection-registry.js";
import type { Loaders, ServiceOptions, Services } from "./api/context.js";
import { accountingModule } from "./accounting/accounting.module.js";
import { authnModule } from "./authn/authn.module.js";
import { backupsModule } from "./backups/backups.module.js";
import { restoresModule } from "./backups/restores/restores.module.js";
import { authzModule } from "./authz/authz.module.js";
import { capacityModule } from "./capacity/capacity.module.js";
import { catalogModule } from "./catalog/catalog.module.js";
import { deploymentsModule } from "./deployments/deployments.module.js";
import type { Access } from "./authz/access.js";
import { type RoleCatalogue, buildCatalogue } from "./authz/catalogue.js";
import type { Db } from "./db/db.js";
import type { FeatureModule, NodeLoader, ServiceDeps } from "./feature-module.js";
import { createLogger, type Logger } from "./logger.js";
import { netboxModule } from "./netbox/netbox.module.js";
import { operatorsModule } from "./operators/operators.module.js";
import { providersModule } from "./providers/providers.module.js";
import { resourcesModule } from "./resources/resources.module.js";
import { runsModule } from "./runs/runs.module.js";

/**
 * Every feature module, in dependency order (a module's services may use those of the modules above
 * it). Adding a feature: its folder, with a `<feature>.module.ts`, and one line here.
 */
export const modules = [
  providersModule,
  operatorsModule,
  deploymentsModule,
  catalogModule,
  runsModule,
  resourcesModule,
  authzModule,
  accountingModule,
  authnModule,
  netboxModule,
  backupsModule,
  capacityModule,
  restoresModule,
] as const;

type Module = (typeof modules)[number];
const declared: readonly FeatureModule[] = modules;

/** Every module's sections of the services' entries in deployment.json. */
export const configSections = declared.flatMap((m) => m.configSections ?? []);

/** Every module's tables (src/entities.ts lists them for the DataSource without loading the modules). */
export const moduleEntities = declared.flatMap((m) => m.entities ?? []);

/** Every permission, each role with the permissions the modules grant it, the node kinds' read permissions. */
export const catalogue: RoleCatalogue = buildCatalogue(declared);

/** Every module's SQL projections and SQL-read roots (src/graphql/sql-read/). */
export const sqlReads: SqlReadRegistry = sqlReadRegistry(
  declared.flatMap((m) => m.projections ?? []),
  declared.flatMap((m) => m.sqlRoots ?? []),
);

/** Every module's resolvers, for the schema (src/graphql/schema.ts). */
export const resolvers = declared.flatMap((m) => m.resolvers ?? []);

/** The types node(id) fetches, by GraphQL type name. */
export const nodeLoaders: Readonly<Record<string, NodeLoader>> = Object.assign(
  {},
  ...declared.map((m) => m.nodes ?? {}),
);

/** Fresh per request, so a cached row never outlives the request that read it. */
export function createLoaders(db: Db, access: Access): Loaders {
  return Object.assign({}, ...declared.map((m) => m.loaders?.(db, access))) as Loaders;
}

/** The application's services, built once per process at the composition root, module by module. */
export function createServices(ds: DataSource, opts: ServiceOptions & { log?: Logger } = {}): Services {
  const built: Partial<Services> = {};
  const deps: ServiceDeps = {
    ds,
    log: opts.log ?? createLogger("silent"),
    options: opts,
    catalogue,
    configSections,
    use(name) {
      const service = built[name];
      if (!service) throw new Error(`the service ${name} is used before its module is listed`);
      return service;
    },
  };
  for (const m of declared) Object.assign(built, m.services?.(deps));
  return built as Services;
}

// The services and loaders the modules build are exactly those their declarations add to the context's
// types: a module missing from the list, or declaring what it does not build, fails to compile.
type Union<M, K extends string> = M extends { [k in K]: (...args: never[]) => infer R } ? R : never;
type Intersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const same = <T extends true>(): T | undefined => undefined;
same<Same<Intersection<Union<Module, "services">>, Services>>();
same<Same<Intersection<Union<Module, "loaders">>, Loaders>>();
