// First: the libraries below read NODE_ENV as they load.
import "./support/production-env.js";
import "reflect-metadata";
import { randomBytes } from "node:crypto";
import os from "node:os";
import type { DataSource } from "typeorm";
import { installReferenceCatalog } from "../src/catalog/reference-sync.js";
import { catalogue } from "../src/grants.js";
import { ClientService } from "../src/authn/clients/client.service.js";
import { systemCaller } from "../src/common/caller.js";
import { toGlobalId } from "../src/common/global-id.js";
import { loadConfig } from "../src/config.js";
import { COUNTED_NOT_LIMITED } from "./support/limits.js";
import { createLogger } from "../src/logger.js";
import { startServer } from "../src/server.js";
import { startFedicentralProcess } from "./support/fedicentral-process.js";
import { createBenchDatabase } from "./support/database.js";
import { firstDifference } from "./support/diff.js";
import { startBaselineServer } from "./support/graphql-read-baseline.js";
import { load, type LoadFigures } from "./support/load.js";
import { POSTGRAPHILE_QUERY, startPostgraphile } from "./support/postgraphile.js";
import { benchNumber, loadBefore, progress } from "./support/progress.js";
import { type ReadAnswer, type ReadWork, readWork, workDifference } from "./support/read-work.js";

/**
 * The nested operator read (operators → deployments → services, every field) on 200 operators x 3
 * deployments x 4 services, at 16 and at 4 connections: fedicentral as users run it (`npm start`'s command in
 * its own process, a bearer token from its token endpoint, authorization on), the same server with
 * authorization off (in this process: its seams), PostGraphile 5 (Amber
 * preset, its own process, no authorization) over the same database, and a hand-written graphql-js +
 * one-SQL-statement baseline.
 */

const OPERATORS = 200;
const DEPLOYMENTS = ["canary", "production", "staging"];
const SERVICE_HOSTS = { mastodon: "social", pixelfed: "pics", peertube: "video", forgejo: "git" };
const WARMUP_SECONDS = 2;
const TARGETS = { ratioVsPostgraphile: 1.1, ratioVsBaseline: 1.0, p99Ms4: 50 };
const TOKEN_BODY = "grant_type=client_credentials&scope=api";

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
                    backupPolicy { schedule keep { last hourly daily weekly monthly yearly } } createdAt updatedAt
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
    const reader = await serviceAccount(db.ds);
    const env = {
      ...COUNTED_NOT_LIMITED,
      DATABASE_URL: db.url,
      DB_POOL_SIZE: "10",
      GRAPHQL_SQL_COUNT_HEADER: "true",
      AUTH_ENCRYPTION_KEY: randomBytes(32).toString("base64url"),
    };
    const config = loadConfig({ ...env, PORT: "0", LOG_LEVEL: "silent" });
    const log = createLogger("silent");
    // As users run it: `npm start` in a process of its own, the principal from a bearer token, authorization on.
    const fedi = await startFedicentralProcess({
      ...env,
      ACCOUNTING_SIGNING_KEY_SECRET: randomBytes(32).toString("base64"),
    });
    // The read path as the baseline serves it: no token to verify, no authorization (see bench tokens, authz).
    const fediOff = await startServer(config, db.ds, log, {
      principalOf: () => ({ kind: "user", id: "bench", name: "bench" }),
      authorizationOff: true,
    });
    const base = await startBaselineServer(db.url, 10);
    const peer = await startPostgraphile(db.url, 10);
    try {
      const fediUrl = `${fedi.url}/graphql`;
      const offUrl = `${fediOff.url}/graphql`;
      const baseUrl = `${base.url}/graphql`;
      const peerUrl = `${peer.url}/graphql`;
      const bearer = async () => ({
        authorization: `Bearer ${await issueToken(`${fedi.url}/oidc/token`, reader)}`,
      });
      progress(
        `fedicentral on ${fediUrl} (off: ${offUrl}), PostGraphile on ${peerUrl}, baseline on ${baseUrl}`,
      );

      const fediRes = await post(fediUrl, QUERY, await bearer());
      const offRes = await post(offUrl, QUERY);
      const before = base.statements();
      const baseRes = await post(baseUrl, QUERY);
      const baselineSql = base.statements() - before;
      const peerRes = await post(peerUrl, POSTGRAPHILE_QUERY);
      const sqlPerRequest = fediRes.sqlStatements;
      const work = verify(fediRes, offRes, baseRes, peerRes);
      const responseBytes = Buffer.byteLength(fediRes.text);
      const baselineResponseBytes = Buffer.byteLength(baseRes.text);
      const postgraphileResponseBytes = Buffer.byteLength(peerRes.text);
      progress(
        `answers equal: ${responseBytes} bytes (baseline ${baselineResponseBytes}); PostGraphile's the same ` +
          `work: ${work.operators} operators, ${work.deployments} deployments, ${work.services} services, ` +
          `${work.values} values (${postgraphileResponseBytes} bytes); SQL statements per request: ` +
          `fedicentral ${sqlPerRequest} (authorization off ${offRes.sqlStatements}), baseline ${baselineSql}`,
      );

      const measure = async (
        name: string,
        url: string,
        connections: number,
        minBytes: number,
        extra: { query?: string; headers?: Record<string, string>; serverPid?: number } = {},
      ) => {
        const opts = {
          url,
          body: JSON.stringify({ query: extra.query ?? QUERY }),
          connections,
          database: db.name,
          headers: extra.headers,
          serverPid: extra.serverPid,
        };
        await load({ ...opts, seconds: WARMUP_SECONDS });
        const f = await load({ ...opts, seconds });
        // GraphQL errors come with status 200: a short answer would mean the server failed.
        if (f.bytesPerResponse < minBytes) {
          throw new Error(
            `${name}: ${f.bytesPerResponse.toFixed(0)} bytes per response, expected > ${minBytes}`,
          );
        }
        progress(
          `${name.padEnd(16)} ${String(connections).padStart(2)} connections: ${f.reqPerSec.toFixed(1).padStart(7)} req/s, ` +
            `p50 ${fmt(f.p50Ms)} ms, p90 ${fmt(f.p90Ms)} ms, p99 ${fmt(f.p99Ms)} ms, max ${fmt(f.maxMs)} ms ` +
            `(${f.requests} requests in ${f.seconds} s)`,
        );
        progress(
          `${"".padEnd(16)}    CPU ms per request: server ${fmt(f.cpu.nodeMs)}, PostgreSQL ${fmtOrNa(f.cpu.pgMs)}, ` +
            `whole machine ${fmtOrNa(f.cpu.machineMs)} (${os.availableParallelism()} CPUs, load average ` +
            `${os.loadavg()[0]!.toFixed(2)})`,
        );
        return f;
      };
      // A token per measurement: each is fresh for far longer than one (AUTH_ACCESS_TOKEN_TTL, 300 s).
      const fediAt = async (connections: number) =>
        measure("fedicentral", fediUrl, connections, responseBytes, {
          headers: await bearer(),
          serverPid: fedi.pid,
        });
      const offAt = (connections: number) =>
        measure("authz off", offUrl, connections, Buffer.byteLength(offRes.text));
      const peerAt = (connections: number) =>
        measure("PostGraphile", peerUrl, connections, postgraphileResponseBytes, {
          query: POSTGRAPHILE_QUERY,
          serverPid: peer.pid,
        });
      const baseAt = (connections: number) =>
        measure("baseline", baseUrl, connections, baselineResponseBytes);

      progress(
        `load: ${WARMUP_SECONDS} s warm-up, then ${seconds} s per measurement, autocannon in a child process`,
      );
      // A B C D at 16 connections, D C B A at 4, so that a drift in the machine's load weighs on all alike.
      const fedi16 = await fediAt(16);
      const off16 = await offAt(16);
      const peer16 = await peerAt(16);
      const base16 = await baseAt(16);
      const base4 = await baseAt(4);
      const peer4 = await peerAt(4);
      const off4 = await offAt(4);
      const fedi4 = await fediAt(4);

      const ratio = round(fedi16.reqPerSec / base16.reqPerSec, 2);
      const ratio4 = round(fedi4.reqPerSec / base4.reqPerSec, 2);
      const ratioVsPostgraphile16 = round(fedi16.reqPerSec / peer16.reqPerSec, 2);
      const ratioVsPostgraphile4 = round(fedi4.reqPerSec / peer4.reqPerSec, 2);
      const figures = {
        authorization: true,
        ratioVsPostgraphile16,
        ratioVsPostgraphile4,
        ratioVsBaseline16: ratio,
        ratioVsBaseline4: ratio4,
        ratio,
        reqPerSec: round(fedi16.reqPerSec, 1),
        postgraphileReqPerSec: round(peer16.reqPerSec, 1),
        baselineReqPerSec: round(base16.reqPerSec, 1),
        p50Ms: fedi16.p50Ms,
        p99Ms: fedi16.p99Ms,
        postgraphileP50Ms: peer16.p50Ms,
        postgraphileP99Ms: peer16.p99Ms,
        baselineP50Ms: base16.p50Ms,
        baselineP99Ms: base16.p99Ms,
        reqPerSec4: round(fedi4.reqPerSec, 1),
        postgraphileReqPerSec4: round(peer4.reqPerSec, 1),
        baselineReqPerSec4: round(base4.reqPerSec, 1),
        ratio4,
        p50Ms4: fedi4.p50Ms,
        p99Ms4: fedi4.p99Ms,
        postgraphileP50Ms4: peer4.p50Ms,
        postgraphileP99Ms4: peer4.p99Ms,
        baselineP50Ms4: base4.p50Ms,
        baselineP99Ms4: base4.p99Ms,
        // The same server without token or authorization: what authorization costs.
        authorizationOff: {
          reqPerSec: round(off16.reqPerSec, 1),
          reqPerSec4: round(off4.reqPerSec, 1),
          ratioVsPostgraphile16: round(off16.reqPerSec / peer16.reqPerSec, 2),
          ratioVsPostgraphile4: round(off4.reqPerSec / peer4.reqPerSec, 2),
          ratioVsBaseline16: round(off16.reqPerSec / base16.reqPerSec, 2),
          p99Ms: off16.p99Ms,
          p99Ms4: off4.p99Ms,
          sqlPerRequest: offRes.sqlStatements,
          cpuMsPerRequest: cpu(off16),
        },
        sqlPerRequest,
        baselineSqlPerRequest: baselineSql,
        responseBytes,
        postgraphileResponseBytes,
        baselineResponseBytes,
        targets: TARGETS,
        meetsRatioVsPostgraphile:
          ratioVsPostgraphile16 >= TARGETS.ratioVsPostgraphile &&
          ratioVsPostgraphile4 >= TARGETS.ratioVsPostgraphile,
        meetsRatio: ratio >= TARGETS.ratioVsBaseline,
        meetsP99Ms4: fedi4.p99Ms < TARGETS.p99Ms4,
        cpuMsPerRequest: cpu(fedi16),
        postgraphileCpuMsPerRequest: cpu(peer16),
        baselineCpuMsPerRequest: cpu(base16),
        // fedicentral runs in this process, its libraries in this NODE_ENV (production unless set); PostGraphile in production.
        nodeEnv: process.env.NODE_ENV ?? null,
        seconds,
        dataset: { operators: OPERATORS, deployments: OPERATORS * 3, services: OPERATORS * 12 },
        machine: { node: process.version, cpus: os.availableParallelism(), postgres: db.serverVersion },
        database: db.source,
        loadAverage: { before: round(busy, 2), after: round(os.loadavg()[0]!, 2) },
      };
      report(figures, [
        ["fedicentral ", fedi16, fedi4],
        ["authz off   ", off16, off4],
        ["PostGraphile", peer16, peer4],
        ["baseline    ", base16, base4],
      ]);
      return figures;
    } finally {
      await fedi.stop();
      await fediOff.stop();
      await base.stop();
      await peer.stop();
    }
  } finally {
    await db.drop();
  }
}

type Credentials = { clientId: string; clientSecret: string };

/** A service account of the bench provider as provider-viewer: it sees every operator the bench reads. */
export async function serviceAccount(ds: DataSource): Promise<Credentials> {
  const [provider] = (await ds.query(`SELECT id FROM provider WHERE slug = 'bench'`)) as { id: string }[];
  return new ClientService(ds, catalogue).createServiceAccount(systemCaller(), {
    name: "bench-reader",
    role: "provider-viewer",
    providerId: toGlobalId("Provider", provider!.id),
  });
}

export async function issueToken(url: string, client: Credentials): Promise<string> {
  const res = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString("base64")}`,
    },
    body: TOKEN_BODY,
  });
  const body = (await res.json()) as { access_token?: string };
  if (res.status !== 200 || !body.access_token)
    throw new Error(`${url} answered ${res.status}: ${JSON.stringify(body)}`);
  return body.access_token;
}

/** 200 operators x 3 deployments x 4 services (one of each catalog type), in a handful of statements. */
export async function seed(ds: DataSource): Promise<void> {
  await ds.transaction(async (tx) => {
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
    await installReferenceCatalog(tx, systemCaller(), provider!.id);
    const types: { slug: string }[] = await tx.query(`SELECT slug FROM service_type`);
    for (const slug of Object.keys(SERVICE_HOSTS)) {
      if (!types.some((t) => t.slug === slug)) throw new Error(`service type ${slug} is not in the catalog`);
    }
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
                            blob_storage_gib, vcpus, memory_gib,
                            created_at, updated_at)
       SELECT d.id, t.id, NOT (t.slug = 'peertube' AND d.name = 'staging'),
              h.host || '.' || d.name || '.' || o.dns_zone,
              CASE t.slug
                WHEN 'mastodon' THEN '{"registrations": "approval", "singleUserMode": false, "maxTootChars": 500}'
                WHEN 'pixelfed' THEN '{"openRegistration": true, "maxPhotoSizeKb": 15360}'
                WHEN 'peertube' THEN '{"transcoding": true, "resolutions": ["480p", "720p", "1080p"]}'
                ELSE '{"disableRegistration": true}' END::jsonb,
              t.default_block_storage_gib, t.default_blob_storage_gib, t.default_vcpus, t.default_memory_gib,
              d.created_at + make_interval(secs => random() * 86400),
              now() - make_interval(secs => random() * 86400)
         FROM deployment d
         JOIN operator o ON o.id = d.operator_id
         JOIN jsonb_each_text($2::jsonb) AS h(slug, host) ON true
         JOIN service_type t ON t.provider_id = o.provider_id AND t.slug = h.slug
        WHERE o.provider_id = $1`,
      [provider!.id, SERVICE_HOSTS],
    );
    // Every service its own backup policy: PostGraphile reads it as the service's backup_policy row.
    await tx.query(
      `INSERT INTO backup_policy (service_id, schedule, keep_last, keep_daily, keep_weekly, keep_monthly)
       SELECT s.id,
              CASE t.slug WHEN 'mastodon' THEN '0 3 * * *' WHEN 'pixelfed' THEN '30 2 * * *'
                          WHEN 'peertube' THEN '15 4 * * 0' ELSE '0 */6 * * *' END,
              CASE t.slug WHEN 'forgejo' THEN 4 ELSE 1 END,
              CASE t.slug WHEN 'mastodon' THEN 14 WHEN 'pixelfed' THEN 30 WHEN 'peertube' THEN 60 ELSE 7 END,
              CASE t.slug WHEN 'peertube' THEN 8 ELSE 0 END, CASE t.slug WHEN 'pixelfed' THEN 6 ELSE 0 END
         FROM service s JOIN service_type t ON t.id = s.service_type_id`,
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

async function post(url: string, query: string, headers: Record<string, string> = {}): Promise<Response> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ query }),
  });
  const header = res.headers.get("x-sql-statements");
  return {
    status: res.status,
    text: await res.text(),
    sqlStatements: header === null ? null : Number(header),
  };
}

/**
 * Before anything is measured: fedicentral (authorization on and off) and the baseline answer with the
 * same, complete data; PostGraphile with the same work (rows in the same order, as many values).
 */
function verify(fedi: Response, off: Response, base: Response, peer: Response): ReadWork {
  const [on, offBody, baseBody, peerBody] = (
    [
      ["fedicentral", fedi],
      ["authorization off", off],
      ["baseline", base],
      ["PostGraphile", peer],
    ] as const
  ).map(([who, r]) => {
    if (r.status !== 200) throw new Error(`${who} answered ${r.status}: ${r.text.slice(0, 500)}`);
    const body = JSON.parse(r.text) as { data?: ReadAnswer; errors?: unknown };
    if (body.errors || !body.data) throw new Error(`${who} answered with errors: ${r.text.slice(0, 1000)}`);
    return body;
  });
  for (const [who, body] of [
    ["authorization off", offBody],
    ["baseline", baseBody],
  ] as const) {
    const diff = firstDifference(on, body);
    if (diff) throw new Error(`fedicentral and ${who} answers differ (fedicentral vs ${who}) at ${diff}`);
  }
  const work = readWork(on!.data!);
  const shapeOk =
    work.operators === 20 && work.deployments === 20 * DEPLOYMENTS.length && work.services === 20 * 12;
  if (!shapeOk) throw new Error("the answer does not have 20 operators x 3 deployments x 4 services");
  const peerDiff = workDifference(work, readWork(peerBody!.data!));
  if (peerDiff)
    throw new Error(`PostGraphile's answer does different work (fedicentral vs PostGraphile): ${peerDiff}`);
  if (fedi.sqlStatements === null) throw new Error("fedicentral sent no x-sql-statements header");
  return work;
}

function report(
  figures: { ratio: number; ratioVsPostgraphile16: number; ratioVsPostgraphile4: number; p99Ms4: number },
  runs: [string, LoadFigures, LoadFigures][],
): void {
  progress("summary                  req/s     p50 ms    p99 ms");
  for (const [connections, pick] of [
    [16, (r: (typeof runs)[number]) => r[1]],
    [4, (r: (typeof runs)[number]) => r[2]],
  ] as const) {
    for (const r of runs) {
      const f = pick(r);
      progress(
        `  ${r[0]} ${String(connections).padStart(2)} conn ${f.reqPerSec.toFixed(1).padStart(8)} ` +
          `${fmt(f.p50Ms).padStart(9)} ${fmt(f.p99Ms).padStart(9)}`,
      );
    }
  }
  progress(
    `authorization on, against PostGraphile: ${figures.ratioVsPostgraphile16.toFixed(2)} at 16 connections, ` +
      `${figures.ratioVsPostgraphile4.toFixed(2)} at 4 (target >= ${TARGETS.ratioVsPostgraphile}); ` +
      `against the baseline at 16: ${figures.ratio.toFixed(2)} (target >= ${TARGETS.ratioVsBaseline}); ` +
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
