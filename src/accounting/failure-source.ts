import { isIP } from "node:net";

/** The tally of attempts from beyond the cap on sources per window. */
export const OTHER_SOURCES = "other sources";

/** Attempts whose client address is missing or unreadable. */
export const UNKNOWN_SOURCE = "unknown";

/**
 * The client address as PostgreSQL's inet reads it, or null: IPv4-mapped IPv6 as IPv4, without a zone.
 * (Behind a trusted proxy the address comes from X-Forwarded-For, so it may be anything.)
 */
export function clientAddress(ip: string | null): string | null {
  if (!ip) return null;
  const bare = ip.split("%")[0]!;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  const address = mapped ? mapped[1]! : bare;
  return isIP(address) ? address : null;
}

/**
 * SQL for the source a failure is counted against, from a parameter holding clientAddress(): the IPv4
 * address, or the IPv6 /64 (one host is given a whole /64, so each of its addresses is not a new source).
 */
export const sourceSql = (param: string) =>
  `CASE WHEN ${param}::inet IS NULL THEN '${UNKNOWN_SOURCE}'
        WHEN family(${param}::inet) = 6 THEN network(set_masklen(${param}::inet, 64))::text
        ELSE host(${param}::inet) END`;
