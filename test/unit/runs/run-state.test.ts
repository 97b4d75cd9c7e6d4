import { describe, expect, it } from "@jest/globals";
import {
  ACTIVE_STATES,
  IllegalRunTransition,
  RUN_STATES,
  type RunState,
  assertTransition,
  canTransition,
  isTerminal,
  transitionRun,
} from "../../../src/runs/run-state.js";

// The whole table, spelled out: a change to it must change this test too.
const ALLOWED: [RunState, RunState][] = [
  ["queued", "running"],
  ["queued", "canceled"],
  ["running", "succeeded"],
  ["running", "failed"],
  ["running", "errored"],
  ["running", "canceling"],
  ["canceling", "canceled"],
  ["canceling", "succeeded"],
  ["canceling", "failed"],
  ["canceling", "errored"],
];

describe("run state table", () => {
  it("allows exactly the listed transitions", () => {
    const allowed = new Set(ALLOWED.map(([a, b]) => `${a}->${b}`));
    for (const from of RUN_STATES) {
      for (const to of RUN_STATES) {
        expect([`${from}->${to}`, canTransition(from, to)]).toEqual([
          `${from}->${to}`,
          allowed.has(`${from}->${to}`),
        ]);
      }
    }
  });

  it("has four terminal states with no way out, and never returns to queued", () => {
    expect(RUN_STATES.filter(isTerminal)).toEqual(["succeeded", "failed", "errored", "canceled"]);
    for (const from of RUN_STATES) expect(canTransition(from, "queued")).toBe(false);
    for (const s of ACTIVE_STATES) expect(isTerminal(s)).toBe(false);
  });

  it("a running run cannot be canceled without going through canceling", () => {
    expect(() => assertTransition("running", "canceled")).toThrow(IllegalRunTransition);
    expect(() => assertTransition("succeeded", "failed")).toThrow("a run cannot go from succeeded to failed");
  });

  it("transitionRun refuses an illegal transition before any SQL, and guards the UPDATE by state", async () => {
    const statements: { sql: string; params: unknown[] }[] = [];
    const db = {
      query: async <T>(sql: string, params: unknown[] = []) => {
        statements.push({ sql, params });
        return [] as T[];
      },
    };
    await expect(transitionRun(db, "r1", ["queued", "running"], "canceled")).rejects.toThrow(
      IllegalRunTransition,
    );
    expect(statements).toHaveLength(0);

    expect(await transitionRun(db, "r1", ["running", "canceling"], "failed", { exitCode: 1 })).toBeNull();
    expect(statements).toHaveLength(1);
    const [{ sql, params }] = statements as [{ sql: string; params: unknown[] }];
    expect(sql).toMatch(/WHERE r\.id = \$1 AND /);
    expect(sql).toContain("finished_at = now()");
    // The UPDATE holds only for a run still in an expected state, and sets the new one.
    const guarded = /r\.state = ANY\(\$(\d+)::text\[\]\)/.exec(sql);
    expect(params[Number(guarded?.[1]) - 1]).toEqual(["running", "canceling"]);
    expect(sql).toMatch(/SET state = \$(\d+)/);
    expect(params[Number(/SET state = \$(\d+)/.exec(sql)?.[1]) - 1]).toBe("failed");
    expect(params[0]).toBe("r1");
    expect(params).toContain(1);
  });
});
