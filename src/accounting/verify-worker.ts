import { parentPort } from "node:worker_threads";
import { packLines } from "./export-line.js";

// A worker thread of the offline verifier: parses and hashes batches of lines; the main thread links them.
parentPort!.on("message", (batch: { id: number; lines: string[] }) => {
  const packed = packLines(batch.lines);
  parentPort!.postMessage({ id: batch.id, packed });
});
