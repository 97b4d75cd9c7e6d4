import { z } from "zod";
import { ConfigError } from "../common/config-error.js";
import { envBool } from "../common/env-bool.js";
import { type SecretBox, SecretBoxError } from "../common/secret-box.js";
import { withSecretFiles } from "../common/secret-file.js";
import { netboxSecretBox, parseSecretKey } from "./secret-box.js";

// Settings of the NetBox sync, from the environment (see src/config.ts for the style).
const int = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

const schema = z.object({
  NETBOX_SECRET_KEY: z.string().optional(),
  NETBOX_SYNC_WORKER: envBool.default(true),
  NETBOX_POLL_MS: int(10, 3_600_000, 1000),
  NETBOX_SYNC_CONCURRENCY: int(1, 16, 2),
  NETBOX_TIMEOUT_MS: int(100, 600_000, 30_000),
  NETBOX_RETRIES: int(0, 20, 4),
  NETBOX_BACKOFF_MS: int(1, 60_000, 500),
  NETBOX_CHANGELOG_OVERLAP_SECONDS: int(0, 86_400, 300),
  NETBOX_REFETCH_CONCURRENCY: int(1, 64, 8),
});

export type NetboxConfig = {
  /** Seals tokens and webhook secrets; null when no key is configured (connections cannot be stored then). */
  secretBox: SecretBox | null;
  /** Whether this process claims queued sync runs and enqueues scheduled ones. */
  worker: boolean;
  pollMs: number;
  /** Provider syncs one process runs at once. */
  concurrency: number;
  /** Per NetBox request attempt. */
  timeoutMs: number;
  retries: number;
  backoffMs: number;
  /** How far back (in NetBox's clock) an incremental sync re-reads the changelog before its watermark. */
  overlapSeconds: number;
  /** Objects an incremental sync re-fetches at once. */
  refetchConcurrency: number;
};

export class NetboxConfigError extends ConfigError {}

export function loadNetboxConfig(env: NodeJS.ProcessEnv = process.env): NetboxConfig {
  const present: Record<string, string> = {};
  for (const [k, v] of Object.entries(withSecretFiles(env))) if (v !== undefined && v !== "") present[k] = v;
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new NetboxConfigError(`invalid NetBox configuration:\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  return {
    secretBox: secretBoxFrom(e.NETBOX_SECRET_KEY),
    worker: e.NETBOX_SYNC_WORKER,
    pollMs: e.NETBOX_POLL_MS,
    concurrency: e.NETBOX_SYNC_CONCURRENCY,
    timeoutMs: e.NETBOX_TIMEOUT_MS,
    retries: e.NETBOX_RETRIES,
    backoffMs: e.NETBOX_BACKOFF_MS,
    overlapSeconds: e.NETBOX_CHANGELOG_OVERLAP_SECONDS,
    refetchConcurrency: e.NETBOX_REFETCH_CONCURRENCY,
  };
}

/** NETBOX_SECRET_KEY (or its _FILE's content) as the box that seals NetBox tokens and webhook secrets. */
function secretBoxFrom(text: string | undefined): SecretBox | null {
  if (!text) return null;
  try {
    return netboxSecretBox(parseSecretKey(text));
  } catch (err) {
    if (err instanceof SecretBoxError) throw new NetboxConfigError(`NETBOX_SECRET_KEY: ${err.message}`);
    throw err;
  }
}
