const started = process.hrtime.bigint();

/** A human-readable progress line on stdout, prefixed with the seconds since the bench started. */
export function progress(message: string): void {
  const s = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(`[${s.toFixed(1).padStart(6)}s] ${message}`);
}
