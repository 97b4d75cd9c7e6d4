let on = true;

/** False only while a benchmark measures what accounting costs; nothing else switches it. */
export const isRecording = () => on;

/** For bench/accounting.ts: the same mutations with and without their accounting writes. */
export function setRecordingForBenchmark(value: boolean): void {
  on = value;
}
