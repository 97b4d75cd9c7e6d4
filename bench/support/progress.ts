import os from "node:os";

const started = process.hrtime.bigint();

/** A human-readable progress line on stdout, prefixed with the seconds since the bench started. */
export function progress(message: string): void {
  const s = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(`[${s.toFixed(1).padStart(6)}s] ${message}`);
}

/** A numeric bench setting (BENCH_SECONDS, BENCH_ROUNDS, …) from the environment; at least min. */
export function benchNumber(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === "" ? fallback : Number(raw);
  if (!(value >= min)) throw new Error(`${name} must be a number of at least ${min}, not ${raw}`);
  return value;
}

/** The load average as the bench starts, with a warning when the machine is busy already. */
export function loadBefore(): number {
  const busy = os.loadavg()[0]!;
  if (busy > os.availableParallelism() / 2) {
    progress(
      `warning: load average ${busy.toFixed(2)} on ${os.availableParallelism()} CPUs before the bench starts`,
    );
  }
  return busy;
}
