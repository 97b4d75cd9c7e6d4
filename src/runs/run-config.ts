import { z } from "zod";
import { ConfigError } from "../common/config-error.js";

// Settings of the run gateway, from the environment (see src/config.ts for the style).
const ms = (fallback: number) => z.coerce.number().int().min(1).default(fallback);

const NAMES = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*(,[A-Za-z_][A-Za-z0-9_]*)*$/, "must be comma-separated variable names")
  .optional();

const schema = z.object({
  DEPLOYMENTS_DIR: z.string().min(1).default(".data/deployments"),
  NIXOPS4_BIN: z.string().min(1).default("nixops4"),
  NIXOPS4_PASS_ENV: NAMES,
  NIXOPS4_SECRET_ENV: NAMES,
  RUN_CONCURRENCY: z.coerce.number().int().min(0).max(64).default(2),
  RUN_TIMEOUT_MS: ms(2 * 3_600_000),
  RUN_KILL_GRACE_MS: ms(10_000),
  RUN_LOST_AFTER_MS: ms(60_000),
  RUN_HEARTBEAT_MS: ms(1_000),
  RUN_POLL_MS: ms(200),
  RUN_LOG_CAP_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(20 * 1024 * 1024),
  RUN_DIR_RETENTION_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(7 * 24 * 3_600_000),
  RUN_LOG_TAIL_BYTES: z.coerce
    .number()
    .int()
    .min(0)
    .default(64 * 1024),
});

export type RunConfig = {
  /** Runs work in `${deploymentsDir}/runs/<run id>`; `${deploymentsDir}/checkouts/<name>` is copied in. */
  deploymentsDir: string;
  nixops4Bin: string;
  /** Variables of our own environment handed on to nixops4 (its environment is minimal otherwise). */
  passEnv: string[];
  /** Also handed on, and their values never stored: each occurrence in the log or a reason becomes ***. */
  secretEnv: string[];
  /** Runs one worker executes at once; 0 disables claiming (the reaper still runs). */
  concurrency: number;
  timeoutMs: number;
  killGraceMs: number;
  /** A running run whose heartbeat is older than this is marked errored ("worker lost"). */
  lostAfterMs: number;
  heartbeatMs: number;
  /** How often the worker looks for queued runs and cancel requests. */
  pollMs: number;
  /** Output past this many bytes is not stored, except the last logTailBytes, after a marker. */
  logCapBytes: number;
  logTailBytes: number;
  /** A run's working directory is removed this long after the run ended (kept to look into). */
  dirRetentionMs: number;
};

export class RunConfigError extends ConfigError {}

export function loadRunConfig(env: NodeJS.ProcessEnv = process.env): RunConfig {
  const present: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== "") present[k] = v;
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new RunConfigError(`invalid run configuration:\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  return {
    deploymentsDir: e.DEPLOYMENTS_DIR,
    nixops4Bin: e.NIXOPS4_BIN,
    passEnv: e.NIXOPS4_PASS_ENV?.split(",") ?? [],
    secretEnv: e.NIXOPS4_SECRET_ENV?.split(",") ?? [],
    concurrency: e.RUN_CONCURRENCY,
    timeoutMs: e.RUN_TIMEOUT_MS,
    killGraceMs: e.RUN_KILL_GRACE_MS,
    lostAfterMs: e.RUN_LOST_AFTER_MS,
    heartbeatMs: e.RUN_HEARTBEAT_MS,
    pollMs: e.RUN_POLL_MS,
    logCapBytes: e.RUN_LOG_CAP_BYTES,
    logTailBytes: e.RUN_LOG_TAIL_BYTES,
    dirRetentionMs: e.RUN_DIR_RETENTION_MS,
  };
}
