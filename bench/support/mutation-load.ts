import { fork } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import type { Options, Result } from "autocannon";

export type MutationLoadFigures = {
  requests: number;
  seconds: number;
  reqPerSec: number;
  meanLatencyMs: number;
};

const child = fileURLToPath(new URL("./mutation-load-child.js", import.meta.url));

/**
 * POSTs each body on its own connection for the given time, all at once, from a child process (the load
 * generator's CPU stays out of the server's). A body may hold [<id>], replaced per request, so that
 * every request changes something. Fails on any error, timeout or non-2xx answer.
 */
export async function mutationLoad(opts: {
  url: string;
  bodies: string[];
  seconds: number;
}): Promise<MutationLoadFigures> {
  const proc = fork(child, [], { stdio: ["ignore", "inherit", "inherit", "ipc"], execArgv: [] });
  const all: Options[] = opts.bodies.map((body) => ({
    url: opts.url,
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
    connections: 1,
    duration: opts.seconds,
    timeout: 30,
    idReplacement: true,
  }));
  proc.send(all);
  const [message] = (await once(proc, "message")) as [{ results?: Result[]; error?: string }];
  if (!message.results) throw new Error(`autocannon failed: ${message.error}`);
  let requests = 0;
  let latency = 0;
  for (const r of message.results) {
    if (r.errors || r.timeouts || r.non2xx) {
      throw new Error(
        `load against ${opts.url} failed: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts`,
      );
    }
    requests += r["2xx"];
    latency += r.latency.mean * r["2xx"];
  }
  const seconds = Math.max(...message.results.map((r) => r.duration));
  return { requests, seconds, reqPerSec: requests / seconds, meanLatencyMs: latency / Math.max(requests, 1) };
}
