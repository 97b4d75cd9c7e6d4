import { z } from "zod";

// Rate limits; merged into the main schema by src/config.ts so a bad value names its variable.
// Each is a number per RATE_LIMIT_WINDOW_SECONDS; 0 turns that limit off.
const perWindow = (fallback: number) => z.coerce.number().int().min(0).default(fallback);

export const limitsEnv = {
  RATE_LIMIT_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
  RATE_LIMIT_GRAPHQL: perWindow(1200),
  RATE_LIMIT_TOKEN_IP: perWindow(600),
  RATE_LIMIT_TOKEN_CLIENT_FAILURES: perWindow(20),
  RATE_LIMIT_WEBHOOK_IP: perWindow(600),
};

type Parsed = z.infer<z.ZodObject<typeof limitsEnv>>;

export type LimitsConfig = {
  windowSeconds: number;
  /** /graphql requests per principal (anonymous: per client address). */
  graphql: number;
  /** Requests to the token, introspection and revocation endpoints per client address. */
  tokenIp: number;
  /** Wrong client secrets per client_id; past them the client is refused until the window ends. */
  tokenClientFailures: number;
  /** NetBox webhook requests per client address. */
  webhookIp: number;
};

export const toLimitsConfig = (e: Parsed): LimitsConfig => ({
  windowSeconds: e.RATE_LIMIT_WINDOW_SECONDS,
  graphql: e.RATE_LIMIT_GRAPHQL,
  tokenIp: e.RATE_LIMIT_TOKEN_IP,
  tokenClientFailures: e.RATE_LIMIT_TOKEN_CLIENT_FAILURES,
  webhookIp: e.RATE_LIMIT_WEBHOOK_IP,
});
