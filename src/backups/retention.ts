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

const HOUR = 3_600_000;
const DAY = 86_400_000;

/**
 * The same periods as numbers, equal exactly when BUCKET_OF's are (a property test holds them to it):
 * what the plan compares, without building a string per snapshot and rule. Weeks count from the Monday
 * before 1970-01-01, a Thursday.
 */
export const PERIOD_OF: Record<Exclude<KeepRule, "last">, (d: Date) => number> = {
  hourly: (d) => Math.floor(d.getTime() / HOUR),
  daily: (d) => Math.floor(d.getTime() / DAY),
  weekly: (d) => Math.floor((Math.floor(d.getTime() / DAY) + 3) / 7),
  monthly: (d) => d.getUTCFullYear() * 12 + d.getUTCMonth(),
  yearly: (d) => d.getUTCFullYear(),
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
  // The kept so far: few, so each rule finds the periods they cover without a pass over all snapshots.
  const kept: number[] = [];
  for (let i = 0; i < Math.min(rules.last, sorted.length); i++) {
    decided[i] = "last";
    kept.push(i);
  }
  for (const rule of KEEP_RULES) {
    if (rule === "last" || rules[rule] === 0) continue;
    const periodOf = PERIOD_OF[rule];
    const covered = new Set(kept.map((i) => periodOf(sorted[i]!.takenAt)));
    const included = new Set<number>();
    // Periods are computed only up to the first one past the rule's n, where the rule stops.
    for (let i = 0; i < sorted.length; i++) {
      if (decided[i] !== undefined) continue;
      const p = periodOf(sorted[i]!.takenAt);
      if (covered.has(p)) continue;
      if (included.has(p)) decided[i] = "remove";
      else {
        if (included.size >= rules[rule]) break;
        included.add(p);
        decided[i] = rule;
        kept.push(i);
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
