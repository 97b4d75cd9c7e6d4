import { z } from "zod";

// Settings of the failure tallies (anonymous failures counted, not written one by one), from the environment.
export const failureTallyEnv = {
  ACCOUNTING_FAILURE_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
  ACCOUNTING_FAILURE_SOURCES: z.coerce.number().int().min(1).max(100_000).default(100),
};

const schema = z.object(failureTallyEnv);

export type FailureTallyConfig = {
  /** Attempts are counted per window of this many seconds; each tally becomes one event when it closes. */
  windowSeconds: number;
  /** Tallies with a source of their own per window; attempts beyond fold into "other sources". */
  sources: number;
};

export const toFailureTallyConfig = (e: z.infer<typeof schema>): FailureTallyConfig => ({
  windowSeconds: e.ACCOUNTING_FAILURE_WINDOW_SECONDS,
  sources: e.ACCOUNTING_FAILURE_SOURCES,
});

/** Read on its own by the writers, as recordEvent reads the observer; main checks it at start. */
export function failureTallyConfigOf(env: NodeJS.ProcessEnv = process.env): FailureTallyConfig {
  const present: Record<string, string> = {};
  for (const k of Object.keys(failureTallyEnv)) if (env[k]) present[k] = env[k];
  return toFailureTallyConfig(schema.parse(present));
}
