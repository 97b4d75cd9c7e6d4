import { spawnSync } from "node:child_process";
import { describe, expect, it } from "@jest/globals";

// Churns 400 MB of Buffers (as a server's socket reads and large answers do), keeping none, and counts V8's
// full collections; with tuned=1 the flags are set at run time first, as serve() sets them.
const CHURN = `
  const tuned = process.argv[1] === "1";
  if (tuned) for (const f of JSON.parse(process.argv[2])) require("node:v8").setFlagsFromString(f);
  let keep = 0;
  for (let i = 0; i < 800; i++) { const b = Buffer.alloc(512 * 1024, i); keep += b[0]; }
  if (keep < 0) console.log(keep);
`;

function markCompacts(tuned: boolean, flags: readonly string[]): number {
  const r = spawnSync(
    process.execPath,
    ["--trace-gc", "-e", CHURN, tuned ? "1" : "0", JSON.stringify(flags)],
    {
      encoding: "utf8",
    },
  );
  expect(r.status).toBe(0);
  return (r.stdout.match(/Mark-Compact/g) ?? []).length;
}

describe("garbage collection tuning (src/gc-tuning.ts)", () => {
  it("set at run time, makes Buffer churn cause several times fewer full collections", async () => {
    const { V8_FLAGS } = await import("../../src/gc-tuning.js");
    const untuned = markCompacts(false, V8_FLAGS);
    const tuned = markCompacts(true, V8_FLAGS);
    expect(untuned).toBeGreaterThanOrEqual(2);
    expect(tuned * 2).toBeLessThanOrEqual(untuned);
  });
});
