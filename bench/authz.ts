import "reflect-metadata";
import os from "node:os";
import v8 from "node:v8";
import { runInNewContext } from "node:vm";
import type { DataSource } from "typeorm";
import type { Principal } from "../src/common/principal.js";
import { Authz } from "../src/authz/authz.js";
import { operatorDomain } from "../src/authz/model.js";
import { Permission } from "../src/authz/permissions.js";
import { loadConfig } from "../src/config.js";
import { COUNTED_NOT_LIMITED } from "./support/limits.js";
import { createLogger } from "../src/logger.js";
import { startServer } from "../src/server.js";
import { QUERY, seed as seedNestedRead } from "./graphql-read.js";
import { createBenchDatabase } from "./support/database.js";
import { firstDifference } from "./support/diff.js";
import { load, type LoadFigures } from "./support/load.js";
import { benchNumber, loadBefore, progress } from "./support/progress.js";
import { catalogue } from "../src/grants.js";

/**
 * Authorization at scale: 10,000 operators, 50,000 users, 100,000 role grants. The p99 of one permission
 * check with the operator's enforcer warm and cold, and the nested read of the graphql-read bench with
 * authorization on and off (a provider-viewer sees what "off" shows, so both answers are identical).
 * Both servers name their principal through the server seam: token verification is authentication's
 * cost, measured by its own bench; "off" is the same server without rules or scoping.
 */

const OPERATORS = 10_000;
const USERS = 50_000;
const GRANTS_PER_USER = 2;
const WARM_OPERATORS = 1_000;
const WARM_CHECKS = 50_000;
const COLD_CHECKS = 500;
const WARMUP_SECONDS = 2;
const TARGETS = { warmP99Ms: 0.2, coldP99Ms: 20, readOverheadPct: 15 };

const VIEWER = "bench-viewer";
const SCOPED = "bench-scoped";
const principal = (id: string): Principal => ({
  kind: "user",
  id,
  name: id,
  clientId: "bench",
  scopes: ["api"],
});

export async function run(): Promise<Record<string, unknown>> {
  // Per measured segment; BENCH_ROUNDS rounds of four segments.
  const seconds = benchNumber("BENCH_SECONDS", 5, 0.1);
  const rounds = benchNumber("BENCH_ROUNDS", 3, 1);
  const busy = loadBefore();
  const db = await createBenchDatabase({ poolSize: 10 });
  try {
    await seedNestedRead(db.ds);
    const grants = await seed(db.ds);

    const checks = await measureChecks(db.ds);

    const log = createLogger("silent");
    const config = loadConfig({
      ...COUNTED_NOT_LIMITED,
      PORT: "0",
      LOG_LEVEL: "silent",
      DATABASE_URL: db.url,
      DB_POOL_SIZE: "10",
    });
    const on = await startServer(config, db.ds, log, { principalOf: () => principal(VIEWER) });
    const off = await startServer(config, db.ds, log, {
      principalOf: () => principal(VIEWER),
      authorizationOff: true,
    });
    const scoped = await startServer(config, db.ds, log, { principalOf: () => principal(SCOPED) });
    try {
      const [onText, offText, scopedText] = await Promise.all([on, off, scoped].map((s) => post(s.url)));
      const diff = firstDifference(JSON.parse(onText!), JSON.parse(offText!));
      if (diff) throw new Error(`answers with authorization on and off differ at ${diff}`);
      if (JSON.parse(onText!).data?.operators?.edges?.length !== 20)
        throw new Error(`unexpected answer: ${onText!.slice(0, 500)}`);
      const scopedOperators = JSON.parse(scopedText!).data.operators.edges.length as number;
      progress(`answers equal with authorization on and off (${onText!.length} bytes)`);

      const body = JSON.stringify({ query: QUERY });
      const measure = async (name: string, url: string, minBytes: number) => {
        const f = await load({ url, body, connections: 16, seconds, database: db.name });
        if (f.bytesPerResponse < minBytes)
          throw new Error(`${name}: short answers (${f.bytesPerResponse} bytes)`);
        progress(
          `${name.padEnd(16)} ${f.reqPerSec.toFixed(1).padStart(7)} req/s, p50 ${f.p50Ms.toFixed(1)} ms, ` +
            `p99 ${f.p99Ms.toFixed(1)} ms, server CPU ${f.cpu.nodeMs.toFixed(2)} ms/request`,
        );
        return f;
      };
      const onUrl = `${on.url}/graphql`;
      const offUrl = `${off.url}/graphql`;
      for (const url of [offUrl, onUrl, `${scoped.url}/graphql`]) {
        await load({ url, body, connections: 16, seconds: WARMUP_SECONDS, database: db.name });
      }
      progress(`load: 16 connections, ${rounds} rounds of off/on/on/off, ${seconds} s each`);
      // Short segments in rounds, each balanced (A B B A), so that the machine's drifting load (other
      // work shares its 2 CPUs) weighs on both sides alike; the median round is the figure.
      const offRuns: LoadFigures[] = [];
      const onRuns: LoadFigures[] = [];
      const overheads: number[] = [];
      for (let r = 0; r < rounds; r++) {
        const a = await measure("authz off", offUrl, offText!.length);
        const b = await measure("authz on", onUrl, onText!.length);
        const c = await measure("authz on", onUrl, onText!.length);
        const d = await measure("authz off", offUrl, offText!.length);
        offRuns.push(a, d);
        onRuns.push(b, c);
        overheads.push((1 - (b.reqPerSec + c.reqPerSec) / (a.reqPerSec + d.reqPerSec)) * 100);
      }
      const scopedRun = await measure("authz on, scoped", `${scoped.url}/graphql`, scopedText!.length);
      const mean = (fs: LoadFigures[], f: (x: LoadFigures) => number) =>
        fs.reduce((t, x) => t + f(x), 0) / fs.length;
      const offRps = mean(offRuns, (f) => f.reqPerSec);
      const onRps = mean(onRuns, (f) => f.reqPerSec);
      const readOverheadPct = round(median(overheads), 1);
      const readCpuOverheadPct = round(
        (mean(onRuns, (f) => f.cpu.nodeMs) / mean(offRuns, (f) => f.cpu.nodeMs) - 1) * 100,
        1,
      );

      const figures = {
        warmP99Ms: checks.warm.p99,
        coldP99Ms: checks.cold.p99,
        readOverheadPct,
        readOverheadPctByRound: overheads.map((o) => round(o, 1)),
        readCpuOverheadPct,
        warmP50Ms: checks.warm.p50,
        coldP50Ms: checks.cold.p50,
        readReqPerSecOn: round(onRps, 1),
        readReqPerSecOff: round(offRps, 1),
        readP99MsOn: round(
          mean(onRuns, (f) => f.p99Ms),
          1,
        ),
        readP99MsOff: round(
          mean(offRuns, (f) => f.p99Ms),
          1,
        ),
        scopedReqPerSec: round(scopedRun.reqPerSec, 1),
        scopedOperatorsShown: scopedOperators,
        enforcerKiB: checks.enforcerKiB,
        targets: TARGETS,
        meetsWarm: checks.warm.p99 < TARGETS.warmP99Ms,
        meetsCold: checks.cold.p99 < TARGETS.coldP99Ms,
        meetsReadOverhead: readOverheadPct < TARGETS.readOverheadPct,
        dataset: { operators: OPERATORS, users: USERS, roleAssignments: grants },
        checks: { warm: WARM_CHECKS, warmOperators: WARM_OPERATORS, cold: COLD_CHECKS },
        seconds,
        rounds,
        machine: { node: process.version, cpus: os.availableParallelism(), postgres: db.serverVersion },
        database: db.source,
        loadAverage: { before: round(busy, 2), after: round(os.loadavg()[0]!, 2) },
      };
      progress(
        `warm check p99 ${figures.warmP99Ms} ms (target < ${TARGETS.warmP99Ms}), cold p99 ${figures.coldP99Ms} ms ` +
          `(< ${TARGETS.coldP99Ms}), read overhead ${readOverheadPct} % (< ${TARGETS.readOverheadPct})`,
      );
      return figures;
    } finally {
      await Promise.all([on.stop(), off.stop(), scoped.stop()]);
    }
  } finally {
    await db.drop();
  }
}

/**
 * On top of the nested-read data (200 operators with deployments): operators up to 10,000, named to sort
 * after those; 50,000 users with two operator roles each on scattered operators; the two bench readers.
 */
async function seed(ds: DataSource): Promise<number> {
  await ds.transaction(async (tx) => {
    const [{ id: provider }] = (await tx.query(`SELECT id FROM provider WHERE slug = 'bench'`)) as [
      { id: string },
    ];
    await tx.query(
      `INSERT INTO operator (provider_id, slug, name, contact_email, dns_zone)
       SELECT $1, 'tenant-' || g, 'Tenant ' || g, 'admin@tenant-' || g || '.example', 'tenant-' || g || '.example'
         FROM generate_series(1, $2::int) g`,
      [provider, OPERATORS - 200],
    );
    // Each user gets two different operators (k = 0, 1), spread by multiplying with primes.
    await tx.query(
      `WITH ops AS (SELECT array_agg(id ORDER BY id) AS ids, count(*)::int AS n FROM operator)
       INSERT INTO casbin_rule (ptype, v0, v1, v2)
       SELECT 'g', 'user:u' || u, (ARRAY['operator-admin', 'operator-member', 'operator-viewer', 'auditor'])[1 + (u + k) % 4],
              'operator:' || ops.ids[1 + ((u * 7919 + k * 104729) % ops.n)]
         FROM ops, generate_series(1, $1::int) u, generate_series(0, $2::int - 1) k`,
      [USERS, GRANTS_PER_USER],
    );
    await tx.query(
      `INSERT INTO casbin_rule (ptype, v0, v1, v2) VALUES ('g', $1, 'provider-viewer', 'provider:' || $2)`,
      [`user:${VIEWER}`, provider],
    );
    await tx.query(
      `INSERT INTO casbin_rule (ptype, v0, v1, v2)
       SELECT 'g', $1, 'operator-viewer', 'operator:' || id FROM operator WHERE slug LIKE 'op-%' ORDER BY slug LIMIT 50`,
      [`user:${SCOPED}`],
    );
  });
  await ds.query(`VACUUM ANALYZE`);
  const [c] = (await ds.query(
    `SELECT (SELECT count(*) FROM operator)::int AS o, (SELECT count(*) FROM casbin_rule WHERE ptype = 'g')::int AS g,
            (SELECT count(DISTINCT v0) FROM casbin_rule WHERE ptype = 'g' AND v0 LIKE 'user:u%')::int AS u`,
  )) as { o: number; g: number; u: number }[];
  progress(`seeded ${c!.o} operators, ${c!.u} users, ${c!.g} role grants`);
  if (c!.o !== OPERATORS || c!.u !== USERS || c!.g < USERS * GRANTS_PER_USER) {
    throw new Error(`unexpected seed counts ${JSON.stringify(c)}`);
  }
  return c!.g;
}

type Pair = { subject: string; operatorId: string; providerId: string };

/** One permission check at a time, timed one by one: warm (enforcer cached) and cold (loaded from SQL). */
async function measureChecks(ds: DataSource) {
  const authz = new Authz(ds, { enforcerCacheSize: OPERATORS + 10, readOf: catalogue.readOf });
  const pairs = (await ds.query(
    `SELECT g.v0 AS subject, o.id AS "operatorId", o.provider_id AS "providerId" FROM casbin_rule g
       JOIN operator o ON o.id = substr(g.v2, 10)::uuid
      WHERE g.ptype = 'g' AND g.v2 LIKE 'operator:%' ORDER BY random() LIMIT $1`,
    [WARM_OPERATORS + COLD_CHECKS],
  )) as Pair[];
  const warmPairs = pairs.slice(0, WARM_OPERATORS);
  const coldPairs = pairs.slice(WARM_OPERATORS);
  const permissions = Object.values(Permission);

  const gc = collector();
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  for (const p of warmPairs) await authz.check(p.subject, Permission.DeploymentRead, p);
  gc();
  const loaded = authz.enforcers.size;
  const enforcerKiB = round((process.memoryUsage().heapUsed - heapBefore) / loaded / 1024, 1);

  const warm: number[] = [];
  let allowed = 0;
  for (let i = 0; i < WARM_CHECKS; i++) {
    // Half the time someone who holds a role there, else a user who holds none there.
    const p = warmPairs[i % warmPairs.length]!;
    const subject = i % 2 === 0 ? p.subject : `user:u${1 + ((i * 31) % USERS)}`;
    const permission = permissions[i % permissions.length]!;
    const t = process.hrtime.bigint();
    if (await authz.check(subject, permission, p)) allowed++;
    warm.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  progress(
    `warm: ${WARM_CHECKS} checks over ${loaded} cached enforcers (${allowed} allowed), ~${enforcerKiB} KiB each`,
  );

  const cold: number[] = [];
  for (const p of coldPairs) {
    authz.enforcers.invalidate(operatorDomain(p.operatorId));
    const t = process.hrtime.bigint();
    const ok = await authz.check(p.subject, Permission.DeploymentRead, p);
    cold.push(Number(process.hrtime.bigint() - t) / 1e6);
    if (!ok) throw new Error(`${p.subject} should read deployments of operator ${p.operatorId}`);
  }
  progress(`cold: ${COLD_CHECKS} checks, each loading its operator's policy lines`);
  return { warm: percentiles(warm), cold: percentiles(cold), enforcerKiB };
}

/** A full garbage collection on demand, for the memory figure (the bench runs without --expose-gc). */
function collector(): () => void {
  v8.setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

function percentiles(ms: number[]) {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => round(s[Math.min(s.length - 1, Math.floor(q * s.length))]!, 4);
  return { p50: at(0.5), p99: at(0.99) };
}

async function post(url: string): Promise<string> {
  const res = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query: QUERY }),
  });
  if (res.status !== 200) throw new Error(`answered ${res.status}`);
  return res.text();
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;
