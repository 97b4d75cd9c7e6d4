import { z } from "zod";
import { ConfigError } from "../common/config-error.js";
import { withSecretFiles } from "../common/secret-file.js";
import { type FailureTallyConfig, failureTallyEnv, toFailureTallyConfig } from "./failure-tally-config.js";
import { type WitnessConfig, toWitnessConfig, witnessEnv } from "./witness-config.js";

// Settings of the accounting module, from the environment (see src/config.ts for the style).
const ms = (fallback: number, min: number) => z.coerce.number().int().min(min).default(fallback);

export const DEFAULT_OBSERVER = "fedicentral";

/** Read on its own by recordEvent, which must not fail a mutation over an unrelated setting. */
export const observerOf = (env: NodeJS.ProcessEnv = process.env) =>
  env.ACCOUNTING_OBSERVER?.trim().slice(0, 200) || DEFAULT_OBSERVER;

const schema = z.object({
  ACCOUNTING_OBSERVER: z.string().trim().min(1).max(200).default(DEFAULT_OBSERVER),
  ACCOUNTING_SIGNING_KEY_SECRET: z.string().optional(),
  ACCOUNTING_CHECKPOINT_INTERVAL_MS: ms(3_600_000, 1000),
  ACCOUNTING_SEAL_INTERVAL_MS: ms(250, 10),
  ...failureTallyEnv,
  ...witnessEnv,
});

export type AccountingConfig = {
  /** The CADF observer written into every event: this service. */
  observer: string;
  /** 32 bytes that encrypt the checkpoint signing key at rest; null disables signing. */
  signingKeySecret: Buffer | null;
  checkpointIntervalMs: number;
  /** How often the sealer looks for committed events to link into their chains. */
  sealIntervalMs: number;
  failureTally: FailureTallyConfig;
  /** Where new checkpoints are copied outside the database. */
  witness: WitnessConfig;
};

export class AccountingConfigError extends ConfigError {}

export function loadAccountingConfig(env: NodeJS.ProcessEnv = process.env): AccountingConfig {
  const present: Record<string, string> = {};
  for (const [k, v] of Object.entries(withSecretFiles(env))) if (v !== undefined && v !== "") present[k] = v;
  const parsed = schema.safeParse(present);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
  let secret: Buffer | null = null;
  if (parsed.success) {
    try {
      secret = signingKeySecret(parsed.data);
    } catch (e) {
      problems.push(`  ${(e as Error).message}`);
    }
  }
  if (!parsed.success || problems.length > 0) {
    throw new AccountingConfigError(`invalid accounting configuration:\n${problems.join("\n")}`);
  }
  const e = parsed.data;
  return {
    observer: e.ACCOUNTING_OBSERVER,
    signingKeySecret: secret,
    checkpointIntervalMs: e.ACCOUNTING_CHECKPOINT_INTERVAL_MS,
    sealIntervalMs: e.ACCOUNTING_SEAL_INTERVAL_MS,
    failureTally: toFailureTallyConfig(e),
    witness: toWitnessConfig(e),
  };
}

/** The secret (or its _FILE's content), base64 of exactly 32 bytes. */
function signingKeySecret(e: z.infer<typeof schema>): Buffer | null {
  const source = "ACCOUNTING_SIGNING_KEY_SECRET";
  const text = e.ACCOUNTING_SIGNING_KEY_SECRET;
  if (text === undefined) return null;
  const trimmed = text.trim();
  const bytes = Buffer.from(trimmed, "base64");
  if (bytes.length !== 32 || !/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed)) {
    throw new Error(`${source}: must be base64 of 32 random bytes (openssl rand -base64 32)`);
  }
  return bytes;
}
