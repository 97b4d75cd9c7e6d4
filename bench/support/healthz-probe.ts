import http from "node:http";
import { parentPort, workerData } from "node:worker_threads";

/**
 * A worker thread that asks /healthz every few milliseconds, one request at a time on its own
 * keep-alive connection, and reports each latency: its own event loop, so the bench's work (parsing
 * big answers) cannot delay a probe and blame the server.
 */
const { url, intervalMs } = workerData as { url: string; intervalMs: number };
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const latencies: number[] = [];
let failures = 0;
let stopped = false;

parentPort!.on("message", (m: string) => {
  if (m === "stop") stopped = true;
});

function probe(): Promise<void> {
  return new Promise((resolve) => {
    const started = performance.now();
    const req = http.get(url, { agent, timeout: 30_000 }, (res) => {
      res.resume();
      res.on("end", () => {
        if (res.statusCode === 200) latencies.push(performance.now() - started);
        else failures++;
        resolve();
      });
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", () => {
      failures++;
      latencies.push(performance.now() - started);
      resolve();
    });
  });
}

while (!stopped) {
  await probe();
  await new Promise((r) => setTimeout(r, intervalMs));
}
agent.destroy();
parentPort!.postMessage({ latencies, failures });
