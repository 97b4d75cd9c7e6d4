import { z } from "zod";
import { envBool } from "./common/env-bool.js";

// Production mode and when migrations run; merged into the main schema by src/config.ts.
export const productionEnv = {
  NODE_ENV: z.string().optional(),
  MIGRATE_ON_START: envBool.optional(),
};

type Parsed = z.infer<z.ZodObject<typeof productionEnv>>;

export type ProductionConfig = {
  /** NODE_ENV=production: refuse to start without the keys, never generate one, no embedded PostgreSQL. */
  production: boolean;
  /** Whether a server applies pending migrations itself; otherwise it waits for `fedicentral db migrate`. */
  migrateOnStart: boolean;
};

export function toProductionConfig(e: Parsed): ProductionConfig {
  const production = e.NODE_ENV === "production";
  return { production, migrateOnStart: e.MIGRATE_ON_START ?? !production };
}
