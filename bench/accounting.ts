import "reflect-metadata";
import { fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { DataSource } from "typeorm";
import { type AccountingWorker, startAccountingWorker } from "../src/accounting/accounting-worker.js";
import { signChainHeads } from "../src/accounting/checkpoints.js";
import { setRecordingForBenchmark } from "../src/accounting/recording.js";
import { sealPending } from "../src/accounting/sealer.js";
import { publicKeyMap } from "../src/accounting/signing.js";
import { verifyExportFile } from "../src/accounting/verify-export.js";
import type { Principal } from "../src/common/principal.js";
import { toGlobalId } from "../src/common/global-id.js";
import { loadConfig } from "../src/config.js";
import { COUNTED_NOT_LIMITED } from "./support/limits.js";
import { dbOf } from "../src/db/db.js";
import { createLogger } from "../src/logger.js";
import { startServer } from "../src/server.js";
import { createBenchDatabase } from "./support/database.js";
import { cpuSample } from "./support/cpu.js";
import { mutationLoad, type MutationLoadFigures } from "./support/mutation-load.js";
import { benchNumber, progress } from "./support/progress.js";

/**
 * (1) A simple mutation (updateOperator, 16 operators on 16 connections) with accounting on and off, in
 *     the same run: BENCH_ROUNDS (6) rounds of BENCH_SECONDS (5) each way, the order alternating. "On" is the event insert in the mutation's transaction and the sealer
 *     linking events into the chains meanwhile in the same process; "off" skips both.
 * (2) 1,000,000 events across 100 operators (one with 100,000), sealed and signed, with a month of usage
 *     records: the usage report of one operator over the month, the export of the big operator's
 *     100,000 events in a process of its own (events/s and that process's peak RSS), and the offline
 *     verification of that export.
 */

const TARGETS = {
  overheadPct: 20,
  reportMs: 1000,
  exportEventsPerSec: 50_000,
  exportPeakRssMb: 300,
  verifyEventsPerSec: 100_000,
};
const MUTATION_OPERATORS = 16;
const ROUNDS = benchNumber("BENCH_ROUNDS", 6, 1);
const OPERATORS = 100;
const BIG_OPERATOR_EVENTS = 100_000;
const TOTAL_EVENTS = 1_000_000;
const MONTH = { from: "2026-01-01T00:00:00.000Z", to: "2026-02-01T00:00:00.000Z" };
const silent = createLogger("silent");
// SEAM(authentication): every bench request acts as this provider admin (granted in seedOperators).
const BENCH_ADMIN: Principal = {
  kind: "user",
  id: "bench-admin",
  name: "bench-admin",
  clientId: "bench",
  scopes: ["api"],
};

export async function run(): Promise<Record<string, unknown>> {
  const seconds = benchNumber("BENCH_SECONDS", 5, 0.1);
  // BENCH_PART=mutation|bulk runs one half alone (to look into one figure); the figures need both.
  const part = process.env.BENCH_PART ?? "all";
  const overhead = part === "bulk" ? null : await mutationOverhead(seconds);
  const bulk = part === "mutation" ? null : await millionEvents();
  if (!overhead || !bulk) return { part, mutation: overhead, bulk };
  const figures = {
    overheadPct: overhead.overheadPct,
    cpuOverheadPct: overhead.cpuOverheadPct,
    reportMs: bulk.reportMs,
    exportEventsPerSec: bulk.exportEventsPerSec,
    exportPeakRssMb: bulk.exportPeakRssMb,
    verifyEventsPerSec: bulk.verifyEventsPerSec,
    mutation: overhead,
    bulk,
    targets: TARGETS,
    meets: {
      overheadPct: overhead.overheadPct < TARGETS.overheadPct,
      reportMs: bulk.reportMs < TARGETS.reportMs,
      exportEventsPerSec: bulk.exportEventsPerSec > TARGETS.exportEventsPerSec,
      exportPeakRssMb: bulk.exportPeakRssMb < TARGETS.exportPeakRssMb,
      verifyEventsPerSec: bulk.verifyEventsPerSec > TARGETS.verifyEventsPerSec,
    },
    machine: {
      node: process.version,
      cpus: os.availableParallelism(),
      loadAverage: round(os.loadavg()[0]!, 2),
    },
  };
  progress(
    `accounting overhead ${figures.overheadPct}% (target < ${TARGETS.overheadPct}); report ${figures.reportMs} ms; ` +
      `export ${figures.exportEventsPerSec} events/s at ${figures.exportPeakRssMb} MB peak RSS; ` +
      `offline verification ${figures.verifyEventsPerSec} events/s`,
  );
  return figures;
}

async function mutationOverhead(seconds: number) {
  const db = await createBenchDatabase({ poolSize: 10 });
  let worker: AccountingWorker | null = null;
  try {
    const ids = await seedOperators(db.ds, MUTATION_OPERATORS);
    // Authorization stays on in both halves: only accounting differs between them.
    const server = await startServer(
      loadConfig({
        ...COUNTED_NOT_LIMITED,
        PORT: "0",
        LOG_LEVEL: "silent",
        DATABASE_URL: db.url,
        DB_POOL_SIZE: "10",
      }),
      db.ds,
      silent,
      { principalOf: () => BENCH_ADMIN },
    );
    try {
      const url = `${server.url}/graphql`;
      const bodies = ids.map((id) =>
        JSON.stringify({
          query: `mutation { updateOperator(id: "${toGlobalId("Operator", id)}", input: { name: "Operator [<id>]" }) { id } }`,
        }),
      );
      const events = async () =>
        Number((await db.ds.query(`SELECT count(*)::int AS n FROM accounting_event`))[0].n as number);
      const phase = async (on: boolean, warmup: boolean): Promise<Phase> => {
        setRecordingForBenchmark(on);
        if (on && !worker) worker = startAccountingWorker(db.ds, silent, accountingConfig(null));
        if (!on && worker) {
          await worker.stop();
          worker = null;
        }
        const before = await events();
        const cpuBefore = cpuSample(db.name);
        const f = await mutationLoad({ url, bodies, seconds: warmup ? 2 : seconds });
        const cpu = cpuSample(db.name).minus(cpuBefore, f.requests);
        // Every request changed its operator's name: one event each when on (requests still in flight
        // when the load generator stopped counting add a few per connection), none when off.
        const written = (await events()) - before;
        if (on ? written < f.requests || written > f.requests + 2 * bodies.length : written !== 0) {
          throw new Error(`accounting ${on ? "on" : "off"}: ${f.requests} mutations wrote ${written} events`);
        }
        // CPU per mutation of this process (server and sealer) and of the database's backends: what
        // accounting costs, much less disturbed by other load on the machine than throughput is.
        const cpuMs = cpu.nodeMs + (cpu.pgMs ?? 0);
        if (!warmup) {
          progress(
            `accounting ${on ? "on " : "off"}: ${f.reqPerSec.toFixed(1)} mutations/s, mean ${f.meanLatencyMs.toFixed(2)} ms ` +
              `(${f.requests} in ${f.seconds} s), CPU ${cpu.nodeMs.toFixed(2)} ms server + ` +
              `${cpu.pgMs === null ? "n/a" : cpu.pgMs.toFixed(2)} ms PostgreSQL per mutation`,
          );
        }
        return { ...f, cpuMs };
      };
      progress(
        `updateOperator on ${MUTATION_OPERATORS} operators, one connection each: ${ROUNDS} rounds of on and off, ` +
          `${seconds} s each, the order alternating`,
      );
      await phase(true, true);
      await phase(false, true);
      const rounds: { on: Phase; off: Phase }[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        // A B, B A, A B, …: a drift in the machine's load weighs on both sides alike.
        if (i % 2 === 0) {
          const on = await phase(true, false);
          rounds.push({ on, off: await phase(false, false) });
        } else {
          const off = await phase(false, false);
          rounds.push({ off, on: await phase(true, false) });
        }
      }
      setRecordingForBenchmark(true);
      // The sealer kept up: what the load wrote is sealed within moments of the load ending.
      const lagStart = Date.now();
      while (
        Number(
          (
            await db.ds.query(`SELECT count(*)::int AS n FROM accounting_event e
              WHERE NOT EXISTS (SELECT 1 FROM accounting_seal s WHERE s.event_id = e.id)`)
          )[0].n,
        ) > 0
      ) {
        if (Date.now() - lagStart > 30_000) throw new Error("events left unsealed 30 s after the load");
        await new Promise((r) => setTimeout(r, 20));
      }
      // Each round compares on with off measured next to it; the median round is the figure.
      const ratios = rounds.map((r) => r.on.reqPerSec / r.off.reqPerSec);
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      const onRps = mean(rounds.map((r) => r.on.reqPerSec));
      const offRps = mean(rounds.map((r) => r.off.reqPerSec));
      const cpuRatios = rounds.map((r) => r.on.cpuMs / r.off.cpuMs);
      return {
        overheadPct: round((1 - median(ratios)) * 100, 1),
        cpuOverheadPct: round((median(cpuRatios) - 1) * 100, 1),
        onCpuMsPerMutation: round(mean(rounds.map((r) => r.on.cpuMs)), 2),
        offCpuMsPerMutation: round(mean(rounds.map((r) => r.off.cpuMs)), 2),
        overheadPctOfMeans: round(((offRps - onRps) / offRps) * 100, 1),
        roundOverheadsPct: ratios.map((r) => round((1 - r) * 100, 1)),
        onReqPerSec: round(onRps, 1),
        offReqPerSec: round(offRps, 1),
        onMeanLatencyMs: round(mean(rounds.map((r) => r.on.meanLatencyMs)), 2),
        offMeanLatencyMs: round(mean(rounds.map((r) => r.off.meanLatencyMs)), 2),
        unsealedAfterLoadMs: Date.now() - lagStart,
        eventsWritten: await events(),
        seconds,
      };
    } finally {
      await server.stop();
    }
  } finally {
    setRecordingForBenchmark(true);
    // The worker is set inside phase(); TypeScript cannot see that through the closure.
    await (worker as AccountingWorker | null)?.stop();
    await db.drop();
  }
}

async function millionEvents() {
  const db = await createBenchDatabase({ poolSize: 4 });
  const dir = mkdtempSync(path.join(os.tmpdir(), "fedi-accounting-bench-"));
  const secret = randomBytes(32);
  try {
    const ids = await seedOperators(db.ds, OPERATORS);
    const big = ids[0]!;
    let sealSeconds = 0;
    // Two halves, each sealed and signed: every chain gets a checkpoint in the middle and one at its head.
    for (const half of [0, 1]) {
      await insertEvents(db.ds, half);
      const t = process.hrtime.bigint();
      const sealed = await sealPending(db.ds, 5000);
      sealSeconds += Number(process.hrtime.bigint() - t) / 1e9;
      const signed = await signChainHeads(db.ds, secret);
      progress(`half ${half + 1}: sealed ${sealed} events, signed ${signed.length} chain heads`);
    }
    const [count] = await db.ds.query(`SELECT count(*)::int AS n FROM accounting_seal`);
    const totalEvents = count.n as number;
    await insertUsage(db.ds);
    await db.ds.query(`VACUUM ANALYZE`);

    const server = await startServer(
      loadConfig({
        ...COUNTED_NOT_LIMITED,
        PORT: "0",
        LOG_LEVEL: "silent",
        DATABASE_URL: db.url,
        DB_POOL_SIZE: "4",
      }),
      db.ds,
      silent,
      { principalOf: () => BENCH_ADMIN },
    );
    const reportTimes: number[] = [];
    let report: Record<string, unknown> = {};
    try {
      for (let i = 0; i < 6; i++) {
        const t = performance.now();
        const res = await fetch(`${server.url}/graphql`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            query: `query($o: ID!, $f: DateTimeISO!, $t: DateTimeISO!) { usageReport(operator: $o, from: $f, to: $t) {
              bookedStorageGibHours bookedVcpuHours bookedMemoryGibHours runsSucceeded runsFailed
              services { serviceType serviceDays blockStorageGibHours blobStorageGibHours } } }`,
            variables: { o: toGlobalId("Operator", big), f: MONTH.from, t: MONTH.to },
          }),
        });
        const body = (await res.json()) as {
          data?: { usageReport: Record<string, unknown> };
          errors?: unknown;
        };
        reportTimes.push(performance.now() - t);
        if (!body.data) throw new Error(`usageReport failed: ${JSON.stringify(body.errors)}`);
        report = body.data.usageReport;
      }
    } finally {
      await server.stop();
    }
    const reportMs = round(median(reportTimes.slice(1)), 1);
    progress(
      `usage report of one operator over a month: first ${reportTimes[0]!.toFixed(1)} ms, then median ${reportMs} ms`,
    );
    // A month of 744 hours at a quota changing daily, and runs among the events: a real report, not an empty one.
    if (!((report.bookedStorageGibHours as number) > 0 && (report.runsSucceeded as number) > 0)) {
      throw new Error(`the report is empty: ${JSON.stringify(report)}`);
    }

    const file = path.join(dir, "big.jsonl");
    const exp = await exportInChild(db.url, big, file);
    const exportEventsPerSec = Math.round(exp.events / exp.seconds);
    progress(
      `export of ${exp.events} events (${(statSync(file).size / 1e6).toFixed(1)} MB) in ${exp.seconds.toFixed(2)} s: ` +
        `${exportEventsPerSec} events/s, peak RSS of the exporting process ${exp.peakRssMb.toFixed(0)} MB`,
    );

    const keys = await publicKeyMap(dbOf(db.ds), secret);
    const t = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    const verified = await verifyExportFile(file, keys);
    const verifySeconds = Number(process.hrtime.bigint() - t) / 1e9;
    const verifyCpu = process.cpuUsage(cpu);
    if (!verified.ok || verified.events !== exp.events || verified.chains[0]?.checkpoints !== 2) {
      throw new Error(
        `offline verification failed: ${JSON.stringify({ ...verified, chains: verified.chains.slice(0, 3) })}`,
      );
    }
    const verifyEventsPerSec = Math.round(verified.events / verifySeconds);
    progress(
      `offline verification of ${verified.events} events in ${verifySeconds.toFixed(2)} s: ${verifyEventsPerSec} events/s`,
    );
    return {
      reportMs,
      reportFirstMs: round(reportTimes[0]!, 1),
      exportEventsPerSec,
      exportPeakRssMb: round(exp.peakRssMb, 1),
      exportSeconds: round(exp.seconds, 2),
      exportBytes: statSync(file).size,
      verifyEventsPerSec,
      verifySeconds: round(verifySeconds, 2),
      // CPU time (all threads) per event: what the figures would be with the machine to themselves.
      exportEventsPerCpuSec: Math.round(exp.events / (exp.cpuMs / 1000)),
      verifyEventsPerCpuSec: Math.round(verified.events / ((verifyCpu.user + verifyCpu.system) / 1e6)),
      sealEventsPerSec: Math.round(totalEvents / sealSeconds),
      events: totalEvents,
      operators: OPERATORS,
      exportedEvents: exp.events,
      database: db.source,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await db.drop();
  }
}

const accountingConfig = (secret: Buffer | null) => ({
  observer: "fedicentral",
  signingKeySecret: secret,
  checkpointIntervalMs: 3_600_000,
  sealIntervalMs: 250,
});

async function seedOperators(ds: DataSource, n: number): Promise<string[]> {
  await ds.query(
    `INSERT INTO casbin_rule (ptype, v0, v1, v2) VALUES ('g', $1, 'platform-admin', 'installation')`,
    [`user:${BENCH_ADMIN.id}`],
  );
  const [p] = await ds.query(
    `INSERT INTO provider (slug, name, contact_email) VALUES ('bench', 'Bench Hosting', 'ops@bench.example') RETURNING id`,
  );
  const rows: { id: string }[] = await ds.query(
    `INSERT INTO operator (provider_id, slug, name, contact_email, dns_zone, quota_storage_gib, quota_vcpus, quota_memory_gib)
     SELECT $1, 'op-' || g, 'Operator ' || g, 'admin@op-' || g || '.example', 'op-' || g || '.example', 1000, 16, 64
       FROM generate_series(1, $2::int) g ORDER BY g RETURNING id`,
    [p.id, n],
  );
  return rows.map((r) => r.id);
}

/**
 * Half of the million events, in chunks of 10 operators per transaction: the big operator gets 100,000
 * in all, the others share the rest; times spread over January, one event in ten a run's end.
 */
async function insertEvents(ds: DataSource, half: number): Promise<void> {
  const perOther = Math.ceil((TOTAL_EVENTS - BIG_OPERATOR_EVENTS) / (OPERATORS - 1));
  for (let chunk = 0; chunk < OPERATORS / 10; chunk++) {
    await ds.query(
      `INSERT INTO accounting_event (occurred_at, event_type, action, outcome, initiator, target_kind, target_id,
                                     operator_id, reason, request_id, changes)
       SELECT $1::timestamptz + ((g - 1)::float8 / o.n) * interval '31 days',
              'activity',
              CASE WHEN g % 10 = 0 THEN 'apply' WHEN g % 10 = 1 THEN 'create' ELSE 'update' END,
              CASE WHEN g % 10 = 0 AND g % 30 = 0 THEN 'failure' ELSE 'success' END,
              jsonb_build_object('kind', 'user', 'id', 'user-' || g % 50, 'name', 'User ' || g % 50,
                                 'ip', '192.0.2.' || g % 250, 'userAgent', 'Mozilla/5.0 (bench)'),
              CASE WHEN g % 10 = 0 THEN 'run' ELSE 'service' END,
              md5(o.id::text || g), o.id,
              CASE WHEN g % 30 = 0 THEN 'nixops4 exited with 1' END,
              md5(g::text),
              CASE WHEN g % 10 > 1 THEN jsonb_build_object('domain', jsonb_build_object('before', 'a' || g || '.example',
                                                                                         'after', 'b' || g || '.example')) END
         FROM (SELECT id, CASE WHEN k = 1 THEN $2::int ELSE $3::int END AS n
                 FROM (SELECT id, row_number() OVER (ORDER BY slug COLLATE "C") AS k FROM operator) x
                WHERE (k - 1) / 10 = $4) o
         CROSS JOIN LATERAL generate_series($5::int * o.n / 2 + 1, ($5::int + 1) * o.n / 2) g`,
      [MONTH.from, BIG_OPERATOR_EVENTS, perOther, chunk, half],
    );
  }
}

/** January's usage records: daily quota changes, services enabled and disabled, storage resized. */
async function insertUsage(ds: DataSource): Promise<void> {
  await ds.query(
    `INSERT INTO usage_quota (operator_id, storage_gib, vcpus, memory_gib, valid_from, valid_to)
     SELECT o.id, 100 + d * 10, 4 + d % 4, 8 + d % 8, $1::timestamptz + (d - 1) * interval '1 day' + interval '7 hours',
            CASE WHEN d < 31 THEN $1::timestamptz + d * interval '1 day' + interval '7 hours' END
       FROM operator o, generate_series(1, 31) d`,
    [MONTH.from],
  );
  await ds.query(
    `INSERT INTO usage_service (service_id, deployment_id, operator_id, service_type, enabled_from, disabled_at)
     SELECT s.sid, s.did, s.oid, s.type, $1::timestamptz + (i * 2) * interval '1 day',
            $1::timestamptz + (i * 2 + 1) * interval '1 day' + interval '3 hours'
       FROM (SELECT o.id AS oid, gen_random_uuid() AS sid, gen_random_uuid() AS did,
                    (ARRAY['mastodon', 'pixelfed', 'peertube', 'forgejo'])[1 + k % 4] AS type
               FROM operator o, generate_series(0, 7) k) s, generate_series(0, 14) i`,
    [MONTH.from],
  );
  await ds.query(
    `INSERT INTO usage_storage (service_id, deployment_id, operator_id, service_type, block_storage_gib, blob_storage_gib,
                                valid_from, valid_to)
     SELECT u.service_id, u.deployment_id, u.operator_id, u.service_type, 10 + i, 100 + i * 10,
            $1::timestamptz + (i * 6) * interval '1 day', $1::timestamptz + ((i + 1) * 6) * interval '1 day'
       FROM (SELECT DISTINCT service_id, deployment_id, operator_id, service_type FROM usage_service) u,
            generate_series(0, 4) i`,
    [MONTH.from],
  );
}

type Phase = MutationLoadFigures & { cpuMs: number };

type ExportFigures = {
  events: number;
  checkpoints: number;
  seconds: number;
  cpuMs: number;
  peakRssMb: number;
};

async function exportInChild(url: string, operatorId: string, file: string): Promise<ExportFigures> {
  const child = fork(fileURLToPath(new URL("./support/export-child.js", import.meta.url)), [], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  child.send({ url, scope: { chain: operatorId, from: null, to: null }, file });
  const [msg] = (await once(child, "message")) as [ExportFigures & { error?: string }];
  if (msg.error) throw new Error(`export failed: ${msg.error}`);
  return msg;
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
