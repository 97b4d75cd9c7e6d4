import autocannon, { type Options } from "autocannon";

// Runs several autocannon instances at once in one process (forked by mutation-load.ts): one per target,
// so that concurrent mutations each write their own row instead of queueing on one row lock.
process.once("message", (all: Options[]) => {
  Promise.all(all.map((o) => autocannon(o))).then(
    (results) => process.send!({ results }, () => process.exit(0)),
    (e: unknown) =>
      process.send!({ error: e instanceof Error ? e.message : String(e) }, () => process.exit(1)),
  );
});
