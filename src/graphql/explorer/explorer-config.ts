import { z } from "zod";

// The GraphQL explorer for people; merged into the main schema by src/config.ts.
export const explorerEnv = {
  GRAPHQL_EXPLORER: z.enum(["on", "off"]).optional(),
};

/** On unless set off; off by default in production mode, where people use the provider's own frontends. */
export const toExplorerEnabled = (e: { GRAPHQL_EXPLORER?: "on" | "off" }, production: boolean): boolean =>
  e.GRAPHQL_EXPLORER ? e.GRAPHQL_EXPLORER === "on" : !production;
