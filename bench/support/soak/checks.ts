import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fromGlobalId } from "../../../src/common/global-id.js";
import { progress } from "../progress.js";
import { CLI, type Postgres, type Proc, adminQuery, sleep } from "./cluster.js";
import type { Kind, Load, RequestRecord } from "./load.js";
import type { Fault, SoakOptions } from "./soak.js";

// What the soak checks once the load stopped, against the database, the fake's records and the clients'
// logs; every figure goes into the last JSON line, every failed check into `failures`.

const TERMINAL = ["succeeded", "failed", "errored", "canceled"];
const MAX_FIVE_XX_PCT = 1;

export type SoakFigures = Record<string, unknown> & { passed: boolean; failures: string[] };

type Ctx = {
  opts: SoakOptions;
  seconds: number;
  t0: number;
  pg: Postgres;
  dir: string;
  record: string;
  load: Load;
  faults: Fault[];
  rss: { server: number; pid: number; t: number; bytes: number }[];
  procs: Proc[];
  env: Record<string, string>;
};

const uuid = (gid: string) => fromGlobalId(gid)?.id ?? gid;

export async function checkSoak(c: Ctx): Promise<SoakFigures> {
  const failures: string[] = [];
  const q = <T = Record<string, unknown>>(text: string, params: unknown[] = []) =>
    adminQuery<T>(c.pg.url, text, params);

  // Runs still queued or active when the load stopped are given time to end.
  let active = 0;
  for (let i = 0; i < 120; i++) {
    const [row] = await q<{ active: number }>(
      `SELECT count(*)::int AS active FROM run WHERE state <> ALL($1::text[])`,
      [TERMINAL],
    );
    active = row?.active ?? 0;
    if (active === 0) break;
    await sleep(500);
  }
  if (active > 0) failures.push(`${active} runs never ended`);

  // Acknowledged mutations, each once in its table.
  const acks = c.load.acks;
  const created = acks.filter((a) => a.kind === "createDeployment");
  const rows = await q<{ name: string; id: string; n: number }>(
    `SELECT name, min(id::text) AS id, count(*)::int AS n FROM deployment WHERE name = ANY($1) GROUP BY name`,
    [created.map((a) => a.key)],
  );
  const byName = new Map(rows.map((r) => [r.name, r]));
  let lost = created.filter((a) => byName.get(a.key)?.id !== uuid(a.id)).length;
  let duplicated = rows.filter((r) => r.n > 1).length;
  const applied = acks.filter((a) => a.kind === "apply");
  const runRows = await q<{ id: string; key: string; n: number }>(
    `SELECT min(id::text) AS id, idempotency_key AS key, count(*)::int AS n FROM run
      WHERE idempotency_key = ANY($1) GROUP BY idempotency_key`,
    [applied.map((a) => a.key)],
  );
  const byKey = new Map(runRows.map((r) => [r.key, r]));
  lost += applied.filter((a) => byKey.get(a.key)?.id !== uuid(a.id)).length;
  duplicated += runRows.filter((r) => r.n > 1).length;
  const canceled = acks.filter((a) => a.kind === "cancel");
  const cancelStates = await q<{ id: string; state: string }>(
    `SELECT id::text, state FROM run WHERE id = ANY($1::uuid[])`,
    [canceled.map((a) => uuid(a.id))],
  );
  const stateOf = new Map(cancelStates.map((r) => [r.id, r.state]));
  // A cancel acknowledged as CANCELED (the run was still queued) is final. One acknowledged as CANCELING may
  // still end SUCCEEDED or FAILED: nixops4 can finish on its own before the stop reaches it (README, the
  // nixops4 contract §4), and then it did apply.
  const cancelIgnored = canceled.filter(
    (a) => a.key === "CANCELED" && stateOf.get(uuid(a.id)) !== "canceled",
  ).length;
  lost += canceled.filter((a) => !stateOf.has(uuid(a.id))).length;
  if (lost) failures.push(`${lost} acknowledged mutations are not in the database`);
  if (duplicated) failures.push(`${duplicated} acknowledged mutations are there more than once`);
  if (cancelIgnored) failures.push(`${cancelIgnored} runs canceled while queued ended otherwise`);

  // One accounting event per acknowledged mutation, carrying its request id; a run's cancel is one
  // event however often it was asked (a repeat while CANCELING writes none).
  const events = await q<{ rid: string; action: string; n: number }>(
    `SELECT request_id AS rid, action, count(*)::int AS n FROM accounting_event
      WHERE request_id = ANY($1) GROUP BY 1, 2`,
    [acks.map((a) => a.requestId)],
  );
  const eventsOf = new Map(events.map((e) => [`${e.rid} ${e.action}`, e.n]));
  const ACTION = { createDeployment: "create", apply: "apply" } as Record<string, string>;
  let eventMismatch = acks.filter(
    (a) => a.kind !== "cancel" && eventsOf.get(`${a.requestId} ${ACTION[a.kind]}`) !== 1,
  ).length;
  const cancelEvents = await q<{ run: string; n: number }>(
    `SELECT target_id AS run, count(*)::int AS n FROM accounting_event
      WHERE target_kind = 'run' AND action = 'cancel' AND target_id = ANY($1) GROUP BY 1`,
    [[...new Set(canceled.map((a) => uuid(a.id)))]],
  );
  const cancelsOf = new Map(cancelEvents.map((e) => [e.run, e.n]));
  eventMismatch += [...new Set(canceled.map((a) => uuid(a.id)))].filter((r) => cancelsOf.get(r) !== 1).length;
  if (eventMismatch)
    failures.push(`${eventMismatch} acknowledged mutations without exactly one accounting event`);
  const chains = verifyChains(c);
  if (!chains.ok) failures.push(`accounting chains: ${chains.output.slice(-600)}`);

  // Runs: nixops4 never overlapped on a deployment, no run started twice.
  const runs = await q<{ id: string; state: string; finished: number | null }>(
    `SELECT id::text, state, (extract(epoch FROM finished_at) * 1000)::float8 AS finished FROM run`,
  );
  const finishedOf = new Map(runs.map((r) => [r.id, r.finished]));
  const { overlaps, appliedTwice, starts } = runIntervals(c.record, finishedOf);
  if (overlaps) failures.push(`${overlaps} overlapping nixops4 runs of one deployment`);
  if (appliedTwice) failures.push(`${appliedTwice} runs started nixops4 twice`);
  const runStates: Record<string, number> = {};
  for (const r of runs) runStates[r.state] = (runStates[r.state] ?? 0) + 1;

  // Live logs: every subscription saw the final state and every stored byte, in order.
  const stored = await q<{ id: string; bytes: number }>(
    `SELECT r.id::text, coalesce(sum(octet_length(k.data)), 0)::int AS bytes
       FROM run r LEFT JOIN run_log_chunk k ON k.run_id = r.id GROUP BY r.id`,
  );
  const bytesOf = new Map(stored.map((r) => [r.id, r.bytes]));
  const subs = c.load.subscriptions;
  const windows = c.faults.map((f) => [c.t0 + (f.at - 0.5) * 1000, c.t0 + f.end * 1000] as const);
  const inWindow = (t: number) => windows.some(([a, b]) => t >= a && t <= b);
  const subProblems = subs.filter(
    (s) =>
      !s.completed ||
      s.problems.length > 0 ||
      s.errors.some((e) => !inWindow(e.t)) ||
      s.bytes !== bytesOf.get(uuid(s.runId)),
  );
  if (subProblems.length)
    failures.push(
      `${subProblems.length} subscriptions incomplete, e.g. ${JSON.stringify(subProblems[0]).slice(0, 300)}`,
    );

  // HTTP: 5xx and network failures only inside fault windows, 5xx under 1 % of all.
  const inFault = (r: RequestRecord) => windows.some(([a, b]) => r.end >= a && r.start <= b);
  const reqs = c.load.requests;
  const failed = (r: RequestRecord) => r.status === 0 || r.status >= 500;
  const fiveXx = reqs.filter((r) => r.status >= 500).length;
  const networkErrors = reqs.filter((r) => r.status === 0).length;
  const outside = reqs.filter((r) => failed(r) && !inFault(r));
  const fiveXxPct = reqs.length ? (100 * fiveXx) / reqs.length : 0;
  if (outside.length)
    failures.push(
      `${outside.length} failed requests outside fault windows, e.g. ${JSON.stringify(outside[0])}`,
    );
  if (fiveXxPct >= MAX_FIVE_XX_PCT) failures.push(`5xx are ${fiveXxPct.toFixed(2)} % of requests`);

  const latency: Record<string, { n: number; p50Ms: number; p99Ms: number }> = {};
  for (const kind of ["read", "createDeployment", "token", "apply", "cancel"] as Kind[]) {
    const ms = reqs
      .filter((r) => r.kind === kind && r.status > 0 && r.status < 500 && !inFault(r))
      .map((r) => r.end - r.start)
      .sort((a, b) => a - b);
    latency[kind] = { n: ms.length, p50Ms: pct(ms, 0.5), p99Ms: pct(ms, 0.99) };
  }

  const rssGrowthPct = rssGrowth(c.rss, c.opts.rssBaselineSecond);
  if (rssGrowthPct === null) failures.push("no server lived long enough to compare its RSS");
  else if (rssGrowthPct >= c.opts.maxRssGrowthPct)
    failures.push(`server RSS grew ${rssGrowthPct.toFixed(1)} %`);

  // No process died but those the soak killed; none reported an unhandled rejection.
  const crashed = c.procs.filter((p) => !p.killed && p.child.exitCode !== null).map((p) => p.name);
  if (crashed.length) failures.push(`processes exited on their own: ${crashed.join(", ")}`);
  const unhandled = c.procs.filter((p) => /unhandled|uncaught/i.test(p.output())).map((p) => p.name);
  if (unhandled.length) failures.push(`unhandled errors in the output of ${unhandled.join(", ")}`);
  for (const p of [...new Set([...crashed, ...unhandled])])
    progress(
      `${p}:\n${c.procs
        .find((x) => x.name === p)!
        .output()
        .slice(-3000)}`,
    );

  return {
    passed: failures.length === 0,
    seconds: Math.round(c.seconds),
    requests: reqs.length,
    acknowledged: acks.length,
    acknowledgedLost: lost,
    duplicated,
    eventMismatch,
    chainsVerified: chains.ok,
    chains: chains.summary,
    fiveXx,
    fiveXxPct: round(fiveXxPct, 3),
    networkErrors,
    failedOutsideFaults: outside.length,
    rssGrowthPct: rssGrowthPct === null ? null : round(rssGrowthPct, 1),
    runs: runs.length,
    runStates,
    nixopsStarts: starts,
    overlaps,
    appliedTwice,
    subscriptions: subs.length,
    subscriptionResumes: subs.reduce((a, s) => a + s.resumes, 0),
    subscriptionErrorsInFaults: subs.reduce((a, s) => a + s.errors.length, 0),
    latency,
    faults: c.faults,
    failures,
  };
}

/** Seals, signs the heads, exports every chain and verifies the export offline, with the CLI. */
function verifyChains(c: Ctx): { ok: boolean; output: string; summary: string } {
  const env = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...c.env, LOG_LEVEL: "warn" };
  const cli = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { env, encoding: "utf8" });
  const file = path.join(c.dir, "export.jsonl");
  const keys = path.join(c.dir, "keys.json");
  const steps = [cli(["accounting", "checkpoint"]), cli(["accounting", "export", "-o", file])];
  const keyList = cli(["accounting", "keys"]);
  writeFileSync(keys, keyList.stdout);
  const verify = existsSync(file) ? cli(["accounting", "verify", file, "--public-key", keys]) : null;
  const all = [...steps, keyList, ...(verify ? [verify] : [])];
  const output = all.map((r) => `${r.stdout}${r.stderr}`).join("\n");
  const ok = all.every((r) => r.status === 0) && verify !== null;
  return { ok, output, summary: verify?.stdout.trim().split("\n").at(-1) ?? "no export" };
}

type Recorded = { event: "start" | "end"; pid: number; cwd: string; deployment: string; t: number };

/**
 * nixops4 runs per deployment from the fake's start and end lines; a run killed with its worker (or
 * canceled) wrote no end: its run's end in the database stands for it, which is no earlier.
 */
function runIntervals(file: string, finishedOf: Map<string, number | null>) {
  const lines = existsSync(file)
    ? readFileSync(file, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Recorded)
    : [];
  const byPid = new Map<number, { run: string; deployment: string; start: number; end: number }>();
  const startsOf = new Map<string, number>();
  for (const l of lines) {
    const run = path.basename(l.cwd);
    if (l.event === "start") {
      byPid.set(l.pid, { run, deployment: l.deployment, start: l.t, end: finishedOf.get(run) ?? Infinity });
      startsOf.set(run, (startsOf.get(run) ?? 0) + 1);
    } else {
      const s = byPid.get(l.pid);
      if (s) s.end = l.t;
    }
  }
  const byDeployment = new Map<string, { start: number; end: number }[]>();
  for (const s of byPid.values()) {
    const list = byDeployment.get(s.deployment) ?? [];
    list.push(s);
    byDeployment.set(s.deployment, list);
  }
  let overlaps = 0;
  for (const list of byDeployment.values()) {
    list.sort((a, b) => a.start - b.start);
    for (let i = 1; i < list.length; i++) if (list[i]!.start < list[i - 1]!.end) overlaps++;
  }
  const appliedTwice = [...startsOf.values()].filter((n) => n > 1).length;
  return { overlaps, appliedTwice, starts: lines.filter((l) => l.event === "start").length };
}

/**
 * The largest RSS growth of a server process from `baselineSecond` of its life to its last sample;
 * null when no process lived that long and beyond.
 */
function rssGrowth(
  samples: { pid: number; t: number; bytes: number }[],
  baselineSecond: number,
): number | null {
  const byPid = new Map<number, { t: number; bytes: number }[]>();
  for (const s of samples) byPid.set(s.pid, [...(byPid.get(s.pid) ?? []), s]);
  let worst: number | null = null;
  for (const list of byPid.values()) {
    const base = list.find((s) => s.t - list[0]!.t >= baselineSecond);
    const last = list.at(-1)!;
    if (!base || last.t - base.t < baselineSecond) continue;
    const growth = (100 * (last.bytes - base.bytes)) / base.bytes;
    worst = worst === null ? growth : Math.max(worst, growth);
  }
  return worst;
}

const pct = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! : 0;
const round = (x: number, digits: number) => Number(x.toFixed(digits));
