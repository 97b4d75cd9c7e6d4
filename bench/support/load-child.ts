import autocannon, { type Options } from "autocannon";

// Runs one autocannon measurement in its own process (forked by load.ts), so the load generator's CPU
// is neither on the server's event loop nor in the server process's CPU time.
process.once("message", (opts: Options) => {
  autocannon(opts).then(
    (result) => process.send!({ result }, () => process.exit(0)),
    (e: unknown) =>
      process.send!({ error: e instanceof Error ? e.message : String(e) }, () => process.exit(1)),
  );
});
