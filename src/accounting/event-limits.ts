import { createHash } from "node:crypto";

// How long each stored field of an accounting event may be, so that one event has a bounded size whatever
// a client sends. Longer text keeps its start and a marker saying how much was cut.
export const EVENT_LIMITS = {
  action: 100,
  targetKind: 100,
  targetId: 200,
  reason: 1000,
  requestId: 100,
  initiatorName: 200,
  ip: 64,
  userAgent: 256,
  /** Characters of JSON one before or after value of `changes` may take. */
  changeValue: 2000,
  /** Fields of `changes` kept. */
  changedFields: 50,
} as const;

/** The text itself when short enough, else its first `max` characters and "…[N more characters]". */
export function capText(text: string, max: number): string;
export function capText(text: string | null, max: number): string | null;
export function capText(text: string | null, max: number): string | null {
  if (text === null || text.length <= max) return text;
  // Never cut between the halves of a surrogate pair: a lone one cannot be stored.
  const end = /[\uD800-\uDBFF]/.test(text[max - 1]!) ? max - 1 : max;
  return `${text.slice(0, end)}…[${text.length - end} more characters]`;
}

type Changes = Record<string, { before: unknown; after: unknown }>;

/** Before and after values too big to keep are replaced by their size and SHA-256, which still identify them. */
export function capChanges(changes: Changes): Changes {
  const out: Changes = {};
  for (const [field, { before, after }] of Object.entries(changes).slice(0, EVENT_LIMITS.changedFields))
    out[capText(field, EVENT_LIMITS.action)] = { before: capValue(before), after: capValue(after) };
  return out;
}

function capValue(value: unknown): unknown {
  const json = JSON.stringify(value ?? null);
  if (json.length <= EVENT_LIMITS.changeValue) return value;
  const digest = createHash("sha256").update(json).digest("hex");
  return `[not kept: ${json.length} characters of JSON, sha256 ${digest}]`;
}
