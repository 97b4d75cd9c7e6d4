import type { Verdict } from "./rate-limit.js";

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

/**
 * The IETF httpapi draft's headers (RateLimit-Policy: quota q per window w; RateLimit: r remaining,
 * t seconds to the reset), plus Retry-After when a request is refused.
 */
export function rateLimitHeaders(verdicts: Verdict[]): Record<string, string> {
  const headers: Record<string, string> = {
    "ratelimit-policy": verdicts.map((v) => `"${v.policy}";q=${v.limit};w=${v.windowSeconds}`).join(", "),
    ratelimit: verdicts.map((v) => `"${v.policy}";r=${v.remaining};t=${seconds(v.resetMs)}`).join(", "),
  };
  const refused = verdicts.filter((v) => !v.allowed);
  if (refused.length > 0) headers["retry-after"] = String(retryAfter(refused));
  return headers;
}

/** Seconds until every refusing limit has room again. */
export const retryAfter = (refused: Verdict[]) => Math.max(...refused.map((v) => seconds(v.resetMs)));
