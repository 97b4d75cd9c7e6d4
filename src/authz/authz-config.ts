import { z } from "zod";

// Authorization settings; merged into the main schema by src/config.ts so a bad value names its variable.
export const authzEnv = {
  AUTHZ_ENFORCER_CACHE_SIZE: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
};

type Parsed = z.infer<z.ZodObject<typeof authzEnv>>;

export type AuthzConfig = {
  /** Per-domain Casbin enforcers kept in memory (least recently used ones are dropped). */
  enforcerCacheSize: number;
};

export const toAuthzConfig = (e: Parsed): AuthzConfig => ({ enforcerCacheSize: e.AUTHZ_ENFORCER_CACHE_SIZE });
