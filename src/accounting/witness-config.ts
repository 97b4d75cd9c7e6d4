import { z } from "zod";

// Where new checkpoints are copied outside the database, from the environment (see accounting-config.ts).

const LOOPBACK = new Set(["127.0.0.1", "[::1]", "localhost"]);

export const witnessEnv = {
  ACCOUNTING_WITNESS_FILE: z.string().trim().min(1).optional(),
  // Plain HTTP only to this machine: a copy sent in clear text could be dropped or changed on the way.
  ACCOUNTING_WITNESS_URL: z
    .url()
    .refine((u) => {
      const url = new URL(u);
      return url.protocol === "https:" || (url.protocol === "http:" && LOOPBACK.has(url.hostname));
    }, "must be an https:// URL (http:// only to localhost)")
    .optional(),
  ACCOUNTING_WITNESS_TOKEN: z.string().min(16).optional(),
};

type Parsed = z.infer<z.ZodObject<typeof witnessEnv>>;

export type WitnessConfig = {
  /** An append-only file: one JSON line per checkpoint, flushed to disk before signing returns. */
  file: string | null;
  /** Each round's new checkpoints are POSTed here as JSON lines, retried in the background. */
  url: string | null;
  /** Sent as a bearer token with the POST. */
  token: string | null;
};

export const NO_WITNESS: WitnessConfig = { file: null, url: null, token: null };

export const toWitnessConfig = (e: Parsed): WitnessConfig => ({
  file: e.ACCOUNTING_WITNESS_FILE ?? null,
  url: e.ACCOUNTING_WITNESS_URL ?? null,
  token: e.ACCOUNTING_WITNESS_TOKEN ?? null,
});
