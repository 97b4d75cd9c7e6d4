import { fork } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import type { Options, Result } from "autocannon";
import { cpuSample, type CpuUse } from "./cpu.js";

export type LoadFigures = {
  connections: number;
  seconds: number;
  requests: number;
  reqPerSec: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  bytesPerResponse: number;
  /** CPU time per request of this process (the server under test), of PostgreSQL, of the whole machine. */
  cpu: CpuUse;
};

export type LoadOptions = {
  url: string;
  body: string;
  connections: number;
  seconds: number;
  /** The database whose PostgreSQL backends' CPU time is counted (when they run on this machine). */
  database: string;
  /** The server's process when it is not this one (its CPU time is then read from /proc). */
  serverPid?: number;
  /** Extra request headers (they override the JSON content type). */
  headers?: Record<string, string>;
};

const child = fileURLToPath(new URL("./load-child.js", import.meta.url));

/**
 * Drives POST requests with autocannon in a child process, so the load generator shares neither the
 * event loop nor the CPU accounting of the server under test, which runs in this process (or in serverPid).
 * Fails on any error, timeout or non-2xx answer.
 */
export async function load(opts: LoadOptions): Promise<LoadFigures> {
  const proc = fork(child, [], { stdio: ["ignore", "inherit", "inherit", "ipc"], execArgv: [] });
  const options: Options = {
    url: opts.url,
    method: "POST",
    headers: { "content-type": "application/json", ...opts.headers },
    body: opts.body,
    connections: opts.connections,
    duration: opts.seconds,
    timeout: 30,
  };
  const before = cpuSample(opts.database, opts.serverPid);
  proc.send(options);
  const [message] = (await once(proc, "message")) as [{ result?: Result; error?: string }];
  const after = cpuSample(opts.database, opts.serverPid);
  if (!message.result) throw new Error(`autocannon failed: ${message.error}`);
  const r = message.result;
  const completed = r["2xx"];
  if (r.errors || r.timeouts || r.non2xx || completed === 0) {
    throw new Error(
      `load against ${opts.url} failed: ${completed} ok, ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts`,
    );
  }
  return {
    connections: opts.connections,
    seconds: r.duration,
    requests: completed,
    reqPerSec: completed / r.duration,
    p50Ms: r.latency.p50,
    p90Ms: r.latency.p90,
    p99Ms: r.latency.p99,
    maxMs: r.latency.max,
    bytesPerResponse: r.throughput.total / completed,
    cpu: after.minus(before, completed),
  };
}
