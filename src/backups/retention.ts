import { KEEP_RULES, type KeepRule, type KeepRules } from "./keep-rules.js";

/** What the plan needs of a snapshot. */
export type RetainedSnapshot = { guid: string; takenAt: Date };

/** Which snapshots a policy keeps, each with the rule keeping it, and which it prunes; newest first. */
export type RetentionPlan<S extends RetainedSnapshot> = {
  keep: { snapshot: S; rule: KeepRule | "all" }[];
  prune: S[];
};

const pad = (n: number) => String(n).padStart(2, "0");

/** The ISO 8601 week-numbering year and week of a UTC day (weeks start on Monday; week 1 holds a Thursday). */
function isoWeek(d: Date): string {
  const day = (d.getUTCDay() + 6) % 7; // Monday 0 .. Sunday 6
  const thursday = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - day + 3));
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * 86_400_000)) + 1;
  return `${year}/W${pad(week)}`;
}

/** The period a snapshot falls in for each bucket rule, in UTC (PBS uses the local time of its host). */
export const BUCKET_OF: Record<Exclude<KeepRule, "last">, (d: Date) => string> = {
  hourly: (d) =>
    `${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}/${pad(d.getUTCHours())}`,
  daily: (d) => `${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}`,
  weekly: isoWeek,
  monthly: (d) => `${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}`,
  yearly: (d) => `${d.getUTCFullYear()}`,
};

/** Newest first; equal times by GUID, so that a plan never depends on the order snapshots came in. */
export const newestFirst = (a: RetainedSnapshot, b: RetainedSnapshot) =>
  b.takenAt.getTime() - a.takenAt.getTime() || (a.guid < b.guid ? -1 : a.guid > b.guid ? 1 : 0);

/**
 * The retention plan of a volume's snapshots under keep-rules, as Proxmox Backup Server computes it:
 * keep-last keeps the newest n; then each of hourly, daily, weekly, monthly, yearly in turn keeps the
 * newest snapshot not yet decided of each of its newest n periods, skipping periods already holding a
 * kept snapshot (they count for nothing) and deciding the other snapshots of a period it keeps from to
 * go. Everything not kept is pruned. With every rule 0 nothing is pruned. The newest snapshot is never
 * pruned. Pure, so the rules are tested on their own (test/unit/backups/retention.test.ts).
 */
export function retentionPlan<S extends RetainedSnapshot>(
  snapshots: readonly S[],
  rules: KeepRules,
): RetentionPlan<S> {
  const sorted = [...snapshots].sort(newestFirst);
  if (KEEP_RULES.every((r) => rules[r] === 0)) {
    return { keep: sorted.map((snapshot) => ({ snapshot, rule: "all" as const })), prune: [] };
  }
  const decided: ("remove" | KeepRule | undefined)[] = new Array(sorted.length);
  for (let i = 0; i < Math.min(rules.last, sorted.length); i++) decided[i] = "last";
  for (const rule of KEEP_RULES) {
    if (rule === "last" || rules[rule] === 0) continue;
    const bucketOf = BUCKET_OF[rule];
    const buckets = sorted.map((s) => bucketOf(s.takenAt));
    const covered = new Set<string>();
    buckets.forEach((b, i) => {
      const d = decided[i];
      if (d !== undefined && d !== "remove") covered.add(b);
    });
    const included = new Set<string>();
    for (let i = 0; i < sorted.length; i++) {
      if (decided[i] !== undefined) continue;
      const b = buckets[i]!;
      if (covered.has(b)) continue;
      if (included.has(b)) decided[i] = "remove";
      else {
        if (included.size >= rules[rule]) break;
        included.add(b);
        decided[i] = rule;
      }
    }
  }
  const plan: RetentionPlan<S> = { keep: [], prune: [] };
  sorted.forEach((snapshot, i) => {
    const d = decided[i];
    if (d === undefined || d === "remove") plan.prune.push(snapshot);
    else plan.keep.push({ snapshot, rule: d });
  });
  return plan;
}
