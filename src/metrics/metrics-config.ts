import { z } from "zod";
import { envBool } from "../common/env-bool.js";

// Metrics settings; merged into the main schema by src/config.ts so a bad value names its variable.
export const metricsEnv = {
  METRICS_ENABLED: envBool.default(false),
  METRICS_TOKEN: z.string().min(16, "use at least 16 characters").optional(),
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
};

type Parsed = z.infer<z.ZodObject<typeof metricsEnv>>;

export type MetricsConfig = {
  enabled: boolean;
  /** Scrapers must send it as a bearer token; null: /metrics answers whoever reaches it. */
  token: string | null;
  /** Where `fedicentral worker` serves /metrics (servers serve it on their own port). */
  workerPort: number;
};

export const toMetricsConfig = (e: Parsed): MetricsConfig => ({
  enabled: e.METRICS_ENABLED,
  token: e.METRICS_TOKEN ?? null,
  workerPort: e.METRICS_PORT,
});
