import { describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import { KEEP_RULES, type KeepRules } from "../../../src/backups/keep-rules.js";
import { BUCKET_OF, PERIOD_OF, newestFirst, retentionPlan } from "../../../src/backups/retention.js";

type Snap = { guid: string; takenAt: Date };
const HOUR = 3_600_000;
const START = Date.UTC(2023, 0, 1);

// Snapshots spread over about three years, several per hour at times, in any order.
const snapshots = fc
  .uniqueArray(fc.integer({ min: 0, max: 3 * 365 * 24 * 4 }), { maxLength: 400 })
  .map((quarters) => quarters.map((q, i) => ({ guid: `g${i}`, takenAt: new Date(START + (q * HOUR) / 4) })));
const count = fc.integer({ min: 0, max: 12 });
const rules = fc.record<KeepRules>({
  last: count,
  hourly: count,
  daily: count,
  weekly: count,
  monthly: count,
  yearly: count,
});
const none: KeepRules = { last: 0, hourly: 0, daily: 0, weekly: 0, monthly: 0, yearly: 0 };

describe("retention plan", () => {
  it("compares periods as numbers exactly as the periods' definitions (ISO weeks included)", () => {
    // Two times at most ~two weeks apart, anywhere from 1960 to 2100: same period by one iff by the other.
    const time = fc.integer({ min: Date.UTC(1960, 0, 1), max: Date.UTC(2100, 0, 1) });
    const gap = fc.integer({ min: 0, max: 15 * 24 * HOUR });
    fc.assert(
      fc.property(time, gap, (t, g) => {
        const [a, b] = [new Date(t), new Date(t + g)];
        for (const rule of ["hourly", "daily", "weekly", "monthly", "yearly"] as const) {
          expect([rule, PERIOD_OF[rule](a) === PERIOD_OF[rule](b)]).toEqual([
            rule,
            BUCKET_OF[rule](a) === BUCKET_OF[rule](b),
          ]);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("keeps and prunes every snapshot exactly once, and never prunes the newest", () => {
    fc.assert(
      fc.property(snapshots, rules, (snaps, keep) => {
        const plan = retentionPlan(snaps, keep);
        const guids = [...plan.keep.map((k) => k.snapshot.guid), ...plan.prune.map((s) => s.guid)];
        expect(new Set(guids).size).toBe(snaps.length);
        expect(guids.length).toBe(snaps.length);
        if (snaps.length > 0) {
          const newest = [...snaps].sort(newestFirst)[0]!;
          expect(plan.prune).not.toContain(newest);
        }
      }),
    );
  });

  it("keep-last keeps exactly the newest n", () => {
    fc.assert(
      fc.property(
        snapshots,
        count.filter((n) => n > 0),
        (snaps, n) => {
          const plan = retentionPlan(snaps, { ...none, last: n });
          const expected = [...snaps].sort(newestFirst).slice(0, n);
          expect(plan.keep.map((k) => k.snapshot)).toEqual(expected);
        },
      ),
    );
  });

  // A rule alone, by its definition: the newest snapshot of each of the newest n periods having one.
  for (const rule of ["hourly", "daily", "weekly", "monthly", "yearly"] as const) {
    it(`keep-${rule} alone keeps the newest snapshot of each of the newest n ${rule} periods`, () => {
      fc.assert(
        fc.property(
          snapshots,
          count.filter((n) => n > 0),
          (snaps, n) => {
            const newestOfPeriod = new Map<string, Snap>();
            for (const s of [...snaps].sort(newestFirst)) {
              const period = BUCKET_OF[rule](s.takenAt);
              if (!newestOfPeriod.has(period)) newestOfPeriod.set(period, s);
            }
            const expected = [...newestOfPeriod.values()].sort(newestFirst).slice(0, n);
            const plan = retentionPlan(snaps, { ...none, [rule]: n });
            expect(plan.keep.map((k) => k.snapshot)).toEqual(expected);
            expect(plan.keep.every((k) => k.rule === rule)).toBe(true);
          },
        ),
      );
    });
  }

  it("each rule keeps at most n, one per period, none in a period an earlier rule already kept from", () => {
    fc.assert(
      fc.property(snapshots, rules, (snaps, keep) => {
        fc.pre(KEEP_RULES.some((r) => keep[r] > 0));
        const plan = retentionPlan(snaps, keep);
        for (const [i, rule] of KEEP_RULES.entries()) {
          const kept = plan.keep.filter((k) => k.rule === rule).map((k) => k.snapshot);
          expect(kept.length).toBeLessThanOrEqual(keep[rule]);
          if (rule === "last") continue;
          const periods = kept.map((s) => BUCKET_OF[rule](s.takenAt));
          expect(new Set(periods).size).toBe(periods.length);
          const earlier = new Set(KEEP_RULES.slice(0, i));
          const before = plan.keep.filter((k) => earlier.has(k.rule as never));
          const taken = new Set(before.map((k) => BUCKET_OF[rule](k.snapshot.takenAt)));
          for (const p of periods) expect(taken.has(p)).toBe(false);
        }
      }),
    );
  });

  it("prunes nothing when every rule is 0", () => {
    fc.assert(
      fc.property(snapshots, (snaps) => {
        expect(retentionPlan(snaps, none).prune).toEqual([]);
      }),
    );
  });

  it("follows the documented example: keep-daily 2 and keep-weekly 2 over three weeks", () => {
    const at = (day: number, hour: number) => ({
      guid: `${day}-${hour}`,
      takenAt: new Date(Date.UTC(2025, 0, day, hour)), // 2025-01-06 is a Monday
    });
    const snaps = [at(1, 3), at(2, 3), at(5, 3), at(6, 3), at(12, 3), at(13, 3), at(13, 15)];
    const plan = retentionPlan(snaps, { ...none, daily: 2, weekly: 2 });
    expect(plan.keep.map((k) => [k.snapshot.guid, k.rule])).toEqual([
      ["13-15", "daily"],
      ["12-3", "daily"],
      // The week of the 6th to the 12th holds the 12th already (it counts for nothing); the week before is
      // the one other week there is, and the 5th its newest.
      ["5-3", "weekly"],
    ]);
    expect(plan.prune.map((s) => s.guid)).toEqual(["13-3", "6-3", "2-3", "1-3"]);
  });
});
