import { CronExpressionParser } from "cron-parser";

export type FreshnessStatus = "unprotected" | "stale" | "protected";

/** What freshness is computed from, per service (gathered from FRESHNESS, src/backups/backup-sql.ts). */
export type FreshnessInput = {
  /** The effective policy's schedule; null: no policy (or backups turned off). */
  schedule: string | null;
  volumes: {
    kind: "block" | "blob";
    lastSnapshotAt: Date | null;
    /** Per target of the volume's kind: how far its copy is (null: never reported). */
    replicas: { target: string; state: string | null; syncedTo: Date | null }[];
  }[];
};

export type Freshness = {
  status: FreshnessStatus;
  /** For people: why it is not protected. */
  reason: string | null;
  expectedIntervalSeconds: number | null;
  lastSnapshotAt: Date | null;
  lastReplicaAt: Date | null;
  /** The oldest of the last good copies (snapshots and replicas): what is as old as the backups get. */
  oldestBackupAt: Date | null;
};

const intervals = new Map<string, number>();

/**
 * The longest gap between two runs of a schedule over a year of its runs (at most 400), in seconds:
 * a backup older than twice that has missed a run. Cached per schedule.
 */
export function expectedIntervalSeconds(schedule: string): number {
  let s = intervals.get(schedule);
  if (s === undefined) {
    const it = CronExpressionParser.parse(schedule, {
      currentDate: new Date(Date.UTC(2024, 0, 1)),
      tz: "UTC",
    });
    let previous = it.next().getTime();
    let longest = 0;
    for (let i = 0; i < 400 && previous < Date.UTC(2025, 0, 1); i++) {
      const next = it.next().getTime();
      longest = Math.max(longest, next - previous);
      previous = next;
    }
    s = Math.round(longest / 1000);
    if (intervals.size > 1000) intervals.clear();
    intervals.set(schedule, s);
  }
  return s;
}

const minDate = (dates: (Date | null)[]): Date | null =>
  dates.reduce<Date | null>(
    (m, d) => (d === null || m === null ? null : d < m ? d : m),
    dates.length ? dates[0]! : null,
  );
const maxDate = (dates: (Date | null)[]): Date | null =>
  dates.reduce<Date | null>((m, d) => (d !== null && (m === null || d > m) ? d : m), null);

/**
 * A service's backup freshness: unprotected without a policy, a volume or a snapshot of each volume;
 * stale when a volume's newest snapshot, or a target's copy of it, is older than twice the schedule's
 * interval (one run missed) or a copy failed or was never reported; protected otherwise.
 */
export function freshnessOf(input: FreshnessInput, now: Date): Freshness {
  const base = {
    expectedIntervalSeconds: null,
    lastSnapshotAt: null,
    lastReplicaAt: null,
    oldestBackupAt: null,
  };
  if (input.schedule === null) return { ...base, status: "unprotected", reason: "no backup policy" };
  const interval = expectedIntervalSeconds(input.schedule);
  const withInterval = { ...base, expectedIntervalSeconds: interval };
  if (input.volumes.length === 0)
    return { ...withInterval, status: "unprotected", reason: "no volume is known" };
  const snapshots = input.volumes.map((v) => v.lastSnapshotAt);
  const replicas = input.volumes.flatMap((v) => v.replicas.map((r) => r.syncedTo));
  const figures = {
    expectedIntervalSeconds: interval,
    lastSnapshotAt: maxDate(snapshots),
    lastReplicaAt: maxDate(replicas),
    oldestBackupAt: minDate([...snapshots, ...replicas]),
  };
  const never = input.volumes.find((v) => v.lastSnapshotAt === null);
  if (never) return { ...figures, status: "unprotected", reason: `${never.kind} volume has no snapshot` };
  const limit = now.getTime() - 2 * interval * 1000;
  const late = input.volumes.find((v) => v.lastSnapshotAt!.getTime() < limit);
  if (late)
    return { ...figures, status: "stale", reason: `${late.kind} volume missed its scheduled snapshot` };
  for (const v of input.volumes) {
    for (const r of v.replicas) {
      if (r.state === null || r.syncedTo === null)
        return { ...figures, status: "stale", reason: `no copy at ${r.target} was reported` };
      if (r.state === "failed")
        return { ...figures, status: "stale", reason: `the copy at ${r.target} failed` };
      if (r.syncedTo.getTime() < limit)
        return { ...figures, status: "stale", reason: `the copy at ${r.target} is behind its schedule` };
    }
  }
  return { ...figures, status: "protected", reason: null };
}

const RANK: Record<FreshnessStatus, number> = { unprotected: 0, stale: 1, protected: 2 };

/** Unprotected first, then stale, then protected; within each, the oldest backups first. */
export const unprotectedFirst = (a: Freshness, b: Freshness) =>
  RANK[a.status] - RANK[b.status] || (a.oldestBackupAt?.getTime() ?? 0) - (b.oldestBackupAt?.getTime() ?? 0);
