import "reflect-metadata";
import os from "node:os";
import type { DataSource } from "typeorm";
import { seedCatalog } from "../seeds/demo.js";
import { loadConfig } from "../src/config.js";
import { COUNTED_NOT_LIMITED } from "./support/limits.js";
import { createLogger } from "../src/logger.js";
import { startServer } from "../src/server.js";
import { createBenchDatabase } from "./support/database.js";
import { firstDifference } from "./support/diff.js";
import { startBaselineServer } from "./support/graphql-read-baseline.js";
import { load, type LoadFigures } from "./support/load.js";
import { benchNumber, loadBefore, progress } from "./support/progress.js";

/**
 * The nested operator read (operators → deployments → services, every field) on 200 operators x 3
 * deployments x 4 services, fedicentral against a hand-written graphql-js + one-SQL-statement baseline,
 * at 16 and at 4 connections.
 */

const OPERATORS = 200;
const DEPLOYMENTS = ["canary", "production", "staging"];
const SERVICE_HOSTS = { mastodon: "social", pixelfed: "pics", peertube: "video", forgejo: "git" };
const WARMUP_SECONDS = 2;
const TARGETS = { ratio: 0.75, p99Ms4: 50 };

export const QUERY = `{
  operators(first: 20) {
    edges {
      cursor
      node {
        id slug name contactEmail dnsZone status quota { storageGib vcpus memoryGib } bespokeInfo createdAt updatedAt
        deployments {
          edges {
            cursor
            node {
              id name stagedGeneration deployedGeneration deployedAt createdAt updatedAt
              services {
                edges {
                  cursor
                  node {
                    id enabled domain options blockStorageGib blobStorageGib vcpus memoryGib
                    backupPolicy { schedule retentionDays } createdAt updatedAt
                  }
                }
              }
            }
          }
        }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}`;

type Response = { status: number; text: string; sqlStatements: number | null };

export async function run(): Promise<Record<string, unknown>> {
  const seconds = benchNumber("BENCH_SECONDS", 15, 0.1);
  const busy = loadBefore();
  const db = await createBenchDatabase({ poolSize: 10 });
  try {
    await seed(db.ds);
    const fedi = await startServer(
      loadConfig({
        ...COUNTED_NOT_LIMITED,
        PORT: "0",
        LOG_LEVEL: "silent",
        DATABASE_URL: db.url,
        DB_POOL_SIZE: "10",
        GRAPHQL_SQL_COUNT_HEADER: "true",
      }),
      db.ds,
      createLogger("silent"),
      // The read path as the baseline serves it: no token to verify, no authorization (see bench tokens, authz).
      { principalOf: () => ({ kind: "user", id: "bench", name: "bench" }), authorizationOff: true },
    );
    const base = await startBaselineServer(db.url, 10);
    try {
      const fediUrl = `${fedi.url}/graphql`;
      const baseUrl = `${base.url}/graphql`;
      progress(`fedicentral on ${fediUrl}, baseline on ${baseUrl}`);

      const fediRes = await post(fediUrl);
      const before = base.statements();
      const baseRes = await post(baseUrl);
      const baselineSql = base.statements() - before;
      const sqlPerRequest = fediRes.sqlStatements;
      verify(fediRes, baseRes);
      const responseBytes = Buffer.byteLength(fediRes.text);
      const baselineResponseBytes = Buffer.byteLength(baseRes.text);
      progress(
        `responses equal: ${responseBytes} bytes (baseline ${baselineResponseBytes}); ` +
          `SQL statements per request: fedicentral ${sqlPerRequest}, baseline ${baselineSql}`,
      );

      const body = JSON.stringify({ query: QUERY });
      const measure = async (name: string, url: string, connections: number, minBytes: number) => {
        await load({ url, body, connections, seconds: WARMUP_SECONDS, database: db.name });
        const f = await load({ url, body, connections, seconds, database: db.name });
        // GraphQL errors come with status 200: a short answer would mean the server failed.
        if (f.bytesPerResponse < minBytes) {
          throw new Error(
            `${name}: ${f.bytesPerResponse.toFixed(0)} bytes per response, expected > ${minBytes}`,
          );
        }
        progress(
          `${name.padEnd(11)} ${String(connections).padStart(2)} connections: ${f.reqPerSec.toFixed(1).padStart(7)} req/s, ` +
            `p50 ${fmt(f.p50Ms)} ms, p90 ${fmt(f.p90Ms)} ms, p99 ${fmt(f.p99Ms)} ms, max ${fmt(f.maxMs)} ms ` +
            `(${f.requests} requests in ${f.seconds} s)`,
        );
        progress(
          `${"".padEnd(11)}    CPU ms per request: server ${fmt(f.cpu.nodeMs)}, PostgreSQL ${fmtOrNa(f.cpu.pgMs)}, ` +
            `whole machine ${fmtOrNa(f.cpu.machineMs)} (${os.availableParallelism()} CPUs, load average ` +
            `${os.loadavg()[0]!.toFixed(2)})`,
        );
        return f;
      };

      progress(
        `load: ${WARMUP_SECONDS} s warm-up, then ${seconds} s per measurement, autocannon in a child process`,
      );
      // A B B A, so that a drift in the machine's load weighs on both sides alike.
      const fedi16 = await measure("fedicentral", fediUrl, 16, responseBytes);
      const base16 = await measure("baseline", baseUrl, 16, baselineResponseBytes);
      const base4 = await measure("baseline", baseUrl, 4, baselineResponseBytes);
      const fedi4 = await measure("fedicentral", fediUrl, 4, responseBytes);

      const ratio = round(fedi16.reqPerSec / base16.reqPerSec, 2);
      const figures = {
        ratio,
        reqPerSec: round(fedi16.reqPerSec, 1),
        baselineReqPerSec: round(base16.reqPerSec, 1),
        p50Ms: fedi16.p50Ms,
        p99Ms: fedi16.p99Ms,
        baselineP50Ms: base16.p50Ms,
        baselineP99Ms: base16.p99Ms,
        reqPerSec4: round(fedi4.reqPerSec, 1),
        baselineReqPerSec4: round(base4.reqPerSec, 1),
        ratio4: round(fedi4.reqPerSec / base4.reqPerSec, 2),
        p50Ms4: fedi4.p50Ms,
        p99Ms4: fedi4.p99Ms,
        baselineP50Ms4: base4.p50Ms,
        baselineP99Ms4: base4.p99Ms,
        sqlPerRequest,
        baselineSqlPerRequest: baselineSql,
        responseBytes,
        baselineResponseBytes,
        targets: TARGETS,
        meetsRatio: ratio >= TARGETS.ratio,
        meetsP99Ms4: fedi4.p99Ms < TARGETS.p99Ms4,
        cpuMsPerRequest: cpu(fedi16),
        baselineCpuMsPerRequest: cpu(base16),
        seconds,
        dataset: { operators: OPERATORS, deployments: OPERATORS * 3, services: OPERATORS * 12 },
        machine: { node: process.version, cpus: os.availableParallelism(), postgres: db.serverVersion },
        database: db.source,
        loadAverage: { before: round(busy, 2), after: round(os.loadavg()[0]!, 2) },
      };
      report(figures, [fedi16, base16, fedi4, base4]);
      return figures;
    } finally {
      await fedi.stop();
      await base.stop();
    }
  } finally {
    await db.drop();
  }
}

/** 200 operators x 3 deployments x 4 services (one of each catalog type), in a handful of statements. */
export async function seed(ds: DataSource): Promise<void> {
  await ds.transaction(async (tx) => {
    await seedCatalog(tx);
    const types: { slug: string }[] = await tx.query(`SELECT slug FROM service_type`);
    for (const slug of Object.keys(SERVICE_HOSTS)) {
      if (!types.some((t) => t.slug === slug)) throw new Error(`service type ${slug} is not in the catalog`);
    }
    const [provider] = (await tx.query(
      `INSERT INTO provider (slug, name, contact_email, operator_info_schema)
       VALUES ('bench', 'Bench Hosting', 'ops@bench-hosting.example', $1) RETURNING id`,
      [
        {
          type: "object",
          properties: {
            supportTier: { enum: ["basic", "standard", "premium"] },
            billingReference: { type: "string" },
          },
        },
      ],
    )) as { id: string }[];
    // Names sort in another order than creation; some need escaping in JSON (cursors) and are not ASCII.
    await tx.query(
      `INSERT INTO operator (provider_id, slug, name, contact_email, dns_zone, status, quota_storage_gib,
                             quota_vcpus, quota_memory_gib, bespoke_info, created_at, updated_at)
       SELECT $1, 'op-' || g,
              CASE WHEN g % 40 = 0 THEN 'Café "Fédi" \\ Club ' || g ELSE 'Operator ' || substr(md5(g::text), 1, 10) END,
              'admin@op-' || g || '.example', 'op-' || g || '.example',
              CASE WHEN g % 10 = 0 THEN 'suspended' ELSE 'active' END,
              5000 + g * 10, 32 + g % 32, 128 + g % 128,
              jsonb_build_object('supportTier', (ARRAY['basic', 'standard', 'premium'])[1 + g % 3],
                                 'billingReference', 'BR-' || lpad(g::text, 6, '0')),
              now() - make_interval(days => 400 - g, secs => random() * 86400),
              now() - make_interval(mins => g, secs => random() * 60)
         FROM generate_series(1, $2::int) g`,
      [provider!.id, OPERATORS],
    );
    await tx.query(
      `INSERT INTO deployment (operator_id, name, staged_generation, deployed_generation, deployed_at,
                               created_at, updated_at)
       SELECT o.id, d.name, 3 + d.k, CASE WHEN d.name = 'staging' THEN NULL ELSE 2 + d.k END,
              CASE WHEN d.name = 'staging' THEN NULL ELSE now() - make_interval(hours => d.k::int, secs => random() * 3600) END,
              o.created_at + make_interval(days => d.k::int, secs => random() * 3600),
              now() - make_interval(secs => random() * 3600)
         FROM operator o CROSS JOIN unnest($2::text[]) WITH ORDINALITY AS d(name, k)
        WHERE o.provider_id = $1`,
      [provider!.id, DEPLOYMENTS],
    );
    await tx.query(
      `INSERT INTO service (deployment_id, service_type_id, enabled, domain, options, block_storage_gib,
                            blob_storage_gib, vcpus, memory_gib, backup_schedule, backup_retention_days,
                            created_at, updated_at)
       SELECT d.id, t.id, NOT (t.slug = 'peertube' AND d.name = 'staging'),
              h.host || '.' || d.name || '.' || o.dns_zone,
              CASE t.slug
                WHEN 'mastodon' THEN '{"registrations": "approval", "singleUserMode": false, "maxTootChars": 500}'
                WHEN 'pixelfed' THEN '{"openRegistration": true, "maxPhotoSizeKb": 15360}'
                WHEN 'peertube' THEN '{"transcoding": true, "resolutions": ["480p", "720p", "1080p"]}'
                ELSE '{"disableRegistration": true}' END::jsonb,
              t.default_block_storage_gib, t.default_blob_storage_gib, t.default_vcpus, t.default_memory_gib,
              CASE t.slug WHEN 'mastodon' THEN '0 3 * * *' WHEN 'pixelfed' THEN '30 2 * * *'
                          WHEN 'peertube' THEN '15 4 * * 0' ELSE '0 */6 * * *' END,
              CASE t.slug WHEN 'mastodon' THEN 14 WHEN 'pixelfed' THEN 30 WHEN 'peertube' THEN 60 ELSE 7 END,
              d.created_at + make_interval(secs => random() * 86400),
              now() - make_interval(secs => random() * 86400)
         FROM deployment d
         JOIN operator o ON o.id = d.operator_id
         JOIN jsonb_each_text($2::jsonb) AS h(slug, host) ON true
         JOIN service_type t ON t.slug = h.slug
        WHERE o.provider_id = $1`,
      [provider!.id, SERVICE_HOSTS],
    );
  });
  await ds.query(`VACUUM ANALYZE`);
  const [counts] = (await ds.query(
    `SELECT (SELECT count(*) FROM operator)::int AS o, (SELECT count(*) FROM deployment)::int AS d,
            (SELECT count(*) FROM service)::int AS s`,
  )) as { o: number; d: number; s: number }[];
  progress(`seeded ${counts!.o} operators, ${counts!.d} deployments, ${counts!.s} services`);
  if (counts!.o !== OPERATORS || counts!.d !== OPERATORS * 3 || counts!.s !== OPERATORS * 12) {
    throw new Error(`unexpected seed counts ${JSON.stringify(counts)}`);
  }
}

async function post(url: string): Promise<Response> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query: QUERY }),
  });
  const header = res.headers.get("x-sql-statements");
  return {
    status: res.status,
    text: await res.text(),
    sqlStatements: header === null ? null : Number(header),
  };
}

type Page = { edges: { node: { deployments: { edges: { node: { services: { edges: unknown[] } } }[] } } }[] };

/** Both servers must answer the bench query with the same, complete data before anything is measured. */
function verify(fedi: Response, base: Response): void {
  const parsed = [fedi, base].map((r, i) => {
    const who = i === 0 ? "fedicentral" : "baseline";
    if (r.status !== 200) throw new Error(`${who} answered ${r.status}: ${r.text.slice(0, 500)}`);
    const body = JSON.parse(r.text) as { data?: { operators: Page }; errors?: unknown };
    if (body.errors || !body.data) throw new Error(`${who} answered with errors: ${r.text.slice(0, 1000)}`);
    return body;
  });
  const diff = firstDifference(parsed[0], parsed[1]);
  if (diff) throw new Error(`fedicentral and baseline answers differ (fedicentral vs baseline) at ${diff}`);
  const edges = parsed[0]!.data!.operators.edges;
  const shapeOk =
    edges.length === 20 &&
    edges.every(
      (o) =>
        o.node.deployments.edges.length === DEPLOYMENTS.length &&
        o.node.deployments.edges.every((d) => d.node.services.edges.length === 4),
    );
  if (!shapeOk) throw new Error("the answer does not have 20 operators x 3 deployments x 4 services");
  if (fedi.sqlStatements === null) throw new Error("fedicentral sent no x-sql-statements header");
}

function report(figures: { ratio: number; p99Ms4: number }, runs: LoadFigures[]): void {
  const [f16, b16, f4, b4] = runs as [LoadFigures, LoadFigures, LoadFigures, LoadFigures];
  progress("summary                 req/s     p50 ms    p99 ms");
  for (const [label, f] of [
    ["fedicentral 16 conn", f16],
    ["baseline    16 conn", b16],
    ["fedicentral  4 conn", f4],
    ["baseline     4 conn", b4],
  ] as const) {
    progress(
      `  ${label} ${f.reqPerSec.toFixed(1).padStart(8)} ${fmt(f.p50Ms).padStart(9)} ${fmt(f.p99Ms).padStart(9)}`,
    );
  }
  progress(
    `ratio at 16 connections: ${figures.ratio.toFixed(2)} (target >= ${TARGETS.ratio}); ` +
      `p99 at 4 connections: ${fmt(figures.p99Ms4)} ms (target < ${TARGETS.p99Ms4} ms)`,
  );
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;
const fmt = (ms: number) => ms.toFixed(1);
const fmtOrNa = (ms: number | null) => (ms === null ? "n/a" : ms.toFixed(1));
const cpu = (f: LoadFigures) => ({
  server: round(f.cpu.nodeMs, 2),
  postgres: f.cpu.pgMs === null ? null : round(f.cpu.pgMs, 2),
  machine: f.cpu.machineMs === null ? null : round(f.cpu.machineMs, 2),
});
