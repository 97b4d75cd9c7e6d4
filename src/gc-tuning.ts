import v8 from "node:v8";

/**
 * V8 flags the server runs with, set by serve() at start (however it is launched: npm start, the CLI's
 * serve, the NixOS unit) and given to the read bench's other servers alike.
 *
 * `--external-memory-accounted-in-global-limit`: memory outside the JS heap (Buffers: every socket read,
 * pg's message buffers, large answers) counts toward the heap's own growing limit instead of a fixed 64 MB
 * step. Without it a server sending large answers runs a full mark-compact every few hundred requests for
 * "external memory pressure" (about every 0.5 s on the nested read bench), each pausing every request in
 * flight for 10 to 20 ms; with it, a few times less often, and its p99 latency at 4 connections dropped
 * from 49–61 to 40–50 ms and its CPU per request by a quarter (see README, One-statement reads). The cost
 * is a larger resident size between collections.
 */
export const V8_FLAGS = ["--external-memory-accounted-in-global-limit"] as const;

export function tuneGarbageCollection(): void {
  for (const flag of V8_FLAGS) v8.setFlagsFromString(flag);
}
