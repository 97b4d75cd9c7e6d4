import { benchNumber, loadBefore, progress } from "./support/progress.js";
import { FULL_FAULTS, runSoak } from "./support/soak/soak.js";

// `npm run soak`: two servers and a worker on their own PostgreSQL under mixed load for SOAK_SECONDS
// (default 5 minutes) with every fault; the last line is one JSON object, the exit status 1 when a check
// failed. test/e2e/soak-short.test.ts runs the same with a minute and fewer faults.

async function main(): Promise<number> {
  const seconds = benchNumber("SOAK_SECONDS", 300, 30);
  const rate = benchNumber("SOAK_RATE", 20, 1);
  const loadAverage = loadBefore();
  progress(`soak: ${seconds} s at ${rate} requests/s, node ${process.version}`);
  const { passed, ...figures } = await runSoak({
    seconds,
    rate,
    faults: FULL_FAULTS,
    rssBaselineSecond: Math.min(60, seconds / 3),
    maxRssGrowthPct: 10,
  });
  for (const f of figures.failures) progress(`FAILED: ${f}`);
  console.log(JSON.stringify({ soak: passed ? "passed" : "failed", loadAverage, ...figures }));
  return passed ? 0 : 1;
}

main().then(
  (code) => process.stdout.write("", () => process.exit(code)),
  (e: unknown) => {
    console.error(`soak failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.stdout.write("", () => process.exit(1));
  },
);
