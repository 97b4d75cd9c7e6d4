import { readFileSync } from "node:fs";
import { z } from "zod";
import { ConfigError } from "../config.js";
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
  ACCOUNTING_SIGNING_KEY_SECRET_FILE: z.string().optional(),
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
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== "") present[k] = v;
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

/** The secret itself or a file holding it (a mounted secret), base64 of exactly 32 bytes. */
function signingKeySecret(e: z.infer<typeof schema>): Buffer | null {
  const name = "ACCOUNTING_SIGNING_KEY_SECRET";
  if (e.ACCOUNTING_SIGNING_KEY_SECRET && e.ACCOUNTING_SIGNING_KEY_SECRET_FILE) {
    throw new Error(`${name}: set ${name} or ${name}_FILE, not both`);
  }
  let text = e.ACCOUNTING_SIGNING_KEY_SECRET;
  let source = name;
  if (e.ACCOUNTING_SIGNING_KEY_SECRET_FILE) {
    source = `${name}_FILE`;
    try {
      text = readFileSync(e.ACCOUNTING_SIGNING_KEY_SECRET_FILE, "utf8");
    } catch (err) {
      throw new Error(
        `${source}: cannot read ${e.ACCOUNTING_SIGNING_KEY_SECRET_FILE}: ${(err as Error).message}`,
        { cause: err },
      );
    }
  }
  if (text === undefined) return null;
  const trimmed = text.trim();
  const bytes = Buffer.from(trimmed, "base64");
  if (bytes.length !== 32 || !/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed)) {
    throw new Error(`${source}: must be base64 of 32 random bytes (openssl rand -base64 32)`);
  }
  return bytes;
}
