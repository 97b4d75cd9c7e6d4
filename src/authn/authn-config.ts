import { z } from "zod";

// Authentication settings; merged into the main schema by src/config.ts so a bad value names its variable.
const seconds = (fallback: number, min = 1) => z.coerce.number().int().min(min).default(fallback);

export const authnEnv = {
  AUTH_ENCRYPTION_KEY: z.string().min(32, "must be at least 32 characters").optional(),
  AUTH_ACCESS_TOKEN_TTL: seconds(300, 30).pipe(z.number().max(3600)),
  AUTH_REFRESH_TOKEN_TTL: seconds(14 * 86_400, 60),
  AUTH_SESSION_TTL: seconds(14 * 86_400, 60),
  AUTH_LOGIN_BACKOFF_AFTER: seconds(3),
  AUTH_LOGIN_LOCK_AFTER: seconds(10),
  AUTH_LOGIN_LOCK_SECONDS: seconds(900),
  AUTH_PURGE_INTERVAL_SECONDS: seconds(600),
};

type Parsed = z.infer<z.ZodObject<typeof authnEnv>>;

export type AuthnConfig = {
  /** The key-encryption secret (or AUTH_ENCRYPTION_KEY_FILE's content); unset: a generated file in development. */
  encryptionKey: string | undefined;
  accessTokenTtl: number;
  refreshTokenTtl: number;
  sessionTtl: number;
  /** Failures of one account after which every further failure blocks it for 2^(n - backoffAfter) s. */
  loginBackoffAfter: number;
  /** Failures after which the account is locked for lockSeconds; per client IP, ten times these. */
  loginLockAfter: number;
  loginLockSeconds: number;
  purgeIntervalSeconds: number;
};

export function toAuthnConfig(e: Parsed): AuthnConfig {
  return {
    encryptionKey: e.AUTH_ENCRYPTION_KEY,
    accessTokenTtl: e.AUTH_ACCESS_TOKEN_TTL,
    refreshTokenTtl: e.AUTH_REFRESH_TOKEN_TTL,
    sessionTtl: e.AUTH_SESSION_TTL,
    loginBackoffAfter: e.AUTH_LOGIN_BACKOFF_AFTER,
    loginLockAfter: Math.max(e.AUTH_LOGIN_LOCK_AFTER, e.AUTH_LOGIN_BACKOFF_AFTER),
    loginLockSeconds: e.AUTH_LOGIN_LOCK_SECONDS,
    purgeIntervalSeconds: e.AUTH_PURGE_INTERVAL_SECONDS,
  };
}

export const DEFAULT_LOGIN_LIMITS: Pick<
  AuthnConfig,
  "loginBackoffAfter" | "loginLockAfter" | "loginLockSeconds"
> = {
  loginBackoffAfter: 3,
  loginLockAfter: 10,
  loginLockSeconds: 900,
};
