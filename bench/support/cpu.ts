import { readdirSync, readFileSync } from "node:fs";
import os from "node:os";

/**
 * CPU milliseconds per request; pg and machine are null where /proc cannot tell, node is NaN (null in
 * JSON) when the server is another process that /proc cannot tell of.
 */
export type CpuUse = { nodeMs: number; pgMs: number | null; machineMs: number | null };

type Sample = {
  minus: (earlier: Sample, requests: number) => CpuUse;
  node: number;
  /** CPU ms by backend pid. */
  pg: Map<string, number> | null;
  busy: number;
};

const TICK_MS = 10; // USER_HZ is 100 on every Linux the bench runs on

/**
 * CPU time so far of the server (this process, or the child serverPid), of the PostgreSQL backends connected to database (found by their
 * process titles, so only when the server runs on this machine), and of all CPUs of the machine.
 */
export function cpuSample(database: string, serverPid?: number): Sample {
  const u = process.cpuUsage();
  const sample: Sample = {
    node: serverPid === undefined ? (u.user + u.system) / 1000 : (processMs(serverPid) ?? NaN),
    pg: postgresMs(database),
    busy: os.cpus().reduce((t, c) => t + c.times.user + c.times.nice + c.times.sys + c.times.irq, 0),
    minus: (earlier, requests) => ({
      nodeMs: (sample.node - earlier.node) / requests,
      pgMs: sample.pg && earlier.pg ? backendsDelta(earlier.pg, sample.pg) / requests : null,
      machineMs: (sample.busy - earlier.busy) / requests,
    }),
  };
  return sample;
}

// A backend that ended in between (an idle pool connection closing) is left out, not counted negative.
function backendsDelta(before: Map<string, number>, after: Map<string, number>): number {
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
  return total;
}

function postgresMs(database: string): Map<string, number> | null {
  if (process.platform !== "linux") return null;
  const byPid = new Map<string, number>();
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const title = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      if (!title.startsWith("postgres: ") || !title.includes(` ${database} `)) continue;
      const ms = processMs(Number(pid));
      if (ms !== null) byPid.set(pid, ms);
    } catch {
      // the process ended meanwhile
    }
  }
  return byPid.size > 0 ? byPid : null;
}

/** User and system CPU ms of a process, or null when it is gone or /proc cannot tell. */
function processMs(pid: number): number | null {
  if (process.platform !== "linux") return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name, which is in parentheses: utime and stime are the 14th and 15th.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return null;
  }
}
