import "reflect-metadata";
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { UserService } from "../src/authn/accounts/user.service.js";
import { DEFAULT_LOGIN_LIMITS } from "../src/authn/authn-config.js";
import { ClientService } from "../src/authn/clients/client.service.js";
import { toGlobalId } from "../src/common/global-id.js";
import { systemCaller } from "../src/common/caller.js";
import { type Attack, type AttackContext, ATTACKS, verdictOf } from "./support/hostile-attacks.js";
import { createBenchDatabase, type BenchDatabase } from "./support/database.js";
import { benchNumber, loadBefore, progress } from "./support/progress.js";
import { signInForm } from "./support/sign-in-form.js";
import { authnSecretBox } from "../src/authn/keys/secret-box.js";
import { catalogue } from "../src/grants.js";

/**
 * The worst request of each kind a hostile client was seen to send (the hardening issue), 4 at once for a
 * few seconds each, against a real server process, while a probe in its own thread asks /healthz. Targets:
 * healthz p99 < 100 ms, server RSS growth < 200 MB, every hostile request refused with a 4xx within 1 s;
 * and what anonymous requests add to the accounting log, in bytes per minute.
 */

const CONCURRENCY = 4;
const TARGETS = { healthzP99Ms: 100, rssGrowthMb: 200, slowestRefusalMs: 1000 };
const ENCRYPTION_KEY = "hostile-bench-encryption-key-0123456789abcdef";
const NETBOX_KEY = "5b".repeat(32);
const REDIRECT = "http://localhost:5173/callback";
const LOG_BYTES = 20 * 1024 * 1024;
const PASSWORD = "correct horse battery staple";
// Long enough for V8 to size its heap for steady traffic, so that growth is what the attacks add.
const WARM_UP_SECONDS = benchNumber("BENCH_WARM_UP_SECONDS", 10, 0);
// Anonymous failures are tallied per window; a short one lets the bench see the summaries they become.
const FAILURE_WINDOW_SECONDS = 5;
// BENCH_RATE_LIMITS=off: every hostile request reaches the defence behind the rate limits.
const RATE_LIMITS_ON = process.env.BENCH_RATE_LIMITS !== "off";

type KindFigures = {
  sent: number;
  fourXx: number;
  refusedIn200: number;
  answered: number;
  errors: number;
  slowestMs: number;
  statuses: Record<string, number>;
  /** The server's largest RSS while this kind was sent. */
  rssPeakMb: number;
};

export async function run(): Promise<Record<string, unknown>> {
  const seconds = benchNumber("BENCH_SECONDS", 3, 0.2);
  const only = process.env.BENCH_KINDS?.split(",").filter(Boolean);
  const attacks = only ? ATTACKS.filter((a) => only.includes(a.name)) : ATTACKS;
  loadBefore();
  const db = await createBenchDatabase({ poolSize: 4 });
  let server: ServerProcess | null = null;
  try {
    const fixture = await seed(db);
    server = await startServerProcess(db.url);
    progress(`server pid ${server.pid} at ${server.url}`);
    const ctx = await contextFor(server.url, fixture);
    // The baseline is a server that has been serving: well-behaved traffic for a while (its heap grown to
    // what load needs) and a person signed in (a password hash's memory), then the RSS is taken.
    await warmUp(server.url, fixture, WARM_UP_SECONDS);
    const rss = sampleRss(server.pid);
    await new Promise((r) => setTimeout(r, 300));
    const rssBaseline = rss.current();
    const probe = startProbe(`${server.url}/healthz`);

    const kinds: Record<string, KindFigures> = {};
    const anonymous = attacks.filter((a) => a.as === "anonymous");
    const signedIn = attacks.filter((a) => a.as !== "anonymous");
    const auditBefore = await auditSize(db);
    const anonStarted = performance.now();
    for (const a of anonymous) kinds[a.name] = await hammer(server.url, a, ctx, seconds, rss);
    // Let the failure windows close and their summaries be written before counting what was added.
    await new Promise((r) => setTimeout(r, (FAILURE_WINDOW_SECONDS + 3) * 1000));
    const anonMinutes = (performance.now() - anonStarted) / 60_000;
    const auditAfterAnon = await auditSize(db);
    for (const a of signedIn) kinds[a.name] = await hammer(server.url, a, ctx, seconds, rss);
    const auditAfter = await auditSize(db);

    const probed = await probe.stop();
    const rssPeak = rss.stop();
    for (const [name, k] of Object.entries(kinds)) {
      progress(
        `${name.padEnd(28)} sent ${String(k.sent).padStart(5)}  4xx ${String(k.fourXx).padStart(5)}  ` +
          `refused-in-200 ${String(k.refusedIn200).padStart(4)}  answered ${String(k.answered).padStart(4)}  ` +
          `errors ${k.errors}  slowest ${k.slowestMs.toFixed(0)} ms  RSS ${k.rssPeakMb.toFixed(0)} MB  ` +
          JSON.stringify(k.statuses),
      );
    }
    const all = Object.values(kinds);
    const healthzP99Ms = percentile(probed.latencies, 0.99);
    const rssGrowthMb = (rssPeak - rssBaseline) / 1024 / 1024;
    const slowestRefusalMs = Math.max(...all.map((k) => k.slowestMs));
    // Refused inside a 200 (a GraphQL error with a client code) counts as refused, and is reported apart.
    const notRefused = attacks.reduce(
      (s, a) => s + (a.mayBeAnswered ? 0 : kinds[a.name]!.answered) + kinds[a.name]!.errors,
      0,
    );
    const refusedIn200 = all.reduce((s, k) => s + k.refusedIn200, 0);
    const anonymousAuditBytesPerMin = (auditAfterAnon.bytes - auditBefore.bytes) / anonMinutes;
    progress(
      `healthz: ${probed.latencies.length} probes, p50 ${percentile(probed.latencies, 0.5).toFixed(1)} ms, ` +
        `p99 ${healthzP99Ms.toFixed(1)} ms, max ${Math.max(...probed.latencies).toFixed(0)} ms, ${probed.failures} failed`,
    );
    progress(
      `server RSS ${(rssBaseline / 1048576).toFixed(0)} MB at start, peak ${(rssPeak / 1048576).toFixed(0)} MB`,
    );
    progress(
      `accounting: anonymous attacks added ${auditAfterAnon.events - auditBefore.events} events, ` +
        `${auditAfterAnon.bytes - auditBefore.bytes} bytes in ${anonMinutes.toFixed(2)} min; signed-in attacks ` +
        `${auditAfter.events - auditAfterAnon.events} events`,
    );
    const met =
      healthzP99Ms < TARGETS.healthzP99Ms &&
      rssGrowthMb < TARGETS.rssGrowthMb &&
      slowestRefusalMs < TARGETS.slowestRefusalMs &&
      notRefused === 0 &&
      probed.failures === 0;
    progress(met ? "every target met" : "TARGETS MISSED");
    return {
      healthzP99Ms: round(healthzP99Ms),
      rssGrowthMb: round(rssGrowthMb),
      slowestRefusalMs: round(slowestRefusalMs),
      requests: all.reduce((s, k) => s + k.sent, 0),
      notRefused,
      refusedIn200,
      rateLimits: RATE_LIMITS_ON ? "on" : "off",
      healthzFailures: probed.failures,
      anonymousAuditEvents: auditAfterAnon.events - auditBefore.events,
      anonymousAuditBytesPerMin: Math.round(anonymousAuditBytesPerMin),
      signedInAuditEvents: auditAfter.events - auditAfterAnon.events,
      targetsMet: met,
    };
  } finally {
    await server?.stop();
    await db.drop();
  }
}

const round = (n: number) => Math.round(n * 10) / 10;

function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

type Fixture = {
  providerId: string;
  providerSlug: string;
  operatorA: string;
  runId: string;
  foreignDeploymentId: string;
  viewer: { clientId: string; clientSecret: string };
  reader: { clientId: string; clientSecret: string };
  admin: { clientId: string; clientSecret: string };
  panelClientId: string;
  user: { email: string };
};

/** A provider with two operators; a finished run of A with a 20 MB log; accounts to attack with. */
async function seed(db: BenchDatabase): Promise<Fixture> {
  const q = <T>(sql: string, params: unknown[] = []) => db.ds.query(sql, params) as Promise<T[]>;
  const slug = `hostile-${randomBytes(3).toString("hex")}`;
  const [provider] = await q<{ id: string }>(
    `INSERT INTO provider (slug, name, contact_email) VALUES ($1, 'Hostile', 'ops@hostile.example') RETURNING id`,
    [slug],
  );
  const operator = async (name: string) =>
    (
      await q<{ id: string }>(
        `INSERT INTO operator (provider_id, slug, name, contact_email, dns_zone, status, quota_storage_gib, quota_vcpus, quota_memory_gib)
         VALUES ($1, $2, $2, $3, $4, 'active', 1000, 10, 40) RETURNING id`,
        [provider!.id, `${slug}-${name}`, `admin@${name}.example`, `${slug}-${name}.example`],
      )
    )[0]!.id;
  const a = await operator("a");
  const b = await operator("b");
  const deployment = async (op: string) =>
    (
      await q<{ id: string }>(`INSERT INTO deployment (operator_id, name) VALUES ($1, 'main') RETURNING id`, [
        op,
      ])
    )[0]!.id;
  const da = await deployment(a);
  const dbId = await deployment(b);
  const [run] = await q<{ id: string }>(
    `INSERT INTO run (deployment_id, state, config, config_hash, generation, initiator, queued_at, started_at, finished_at, exit_code)
     VALUES ($1, 'succeeded', '{}', $2, 1, '{"kind":"system"}', now(), now(), now(), 0) RETURNING id`,
    [da, createHash("sha256").update("{}").digest("hex")],
  );
  // nixops4's progress lines, each naming another resource: the worst case for a progress reader.
  const chunkBytes = 256 * 1024;
  let seq = 0;
  let offset = 0;
  let line = 0;
  while (offset < LOG_BYTES) {
    const rows: unknown[] = [];
    for (let i = 0; i < 8 && offset < LOG_BYTES; i++) {
      let text = "";
      while (text.length < chunkBytes) text += `creating resource r${line++}\n`;
      const data = Buffer.from(text);
      rows.push(run!.id, seq++, offset, "stderr", data);
      offset += data.length;
    }
    const values = Array.from(
      { length: rows.length / 5 },
      (_, i) => `($${i * 5 + 1}, $${i * 5 + 2}, $${i * 5 + 3}, $${i * 5 + 4}, $${i * 5 + 5})`,
    ).join(", ");
    await q(`INSERT INTO run_log_chunk (run_id, seq, byte_offset, stream, data) VALUES ${values}`, rows);
  }
  const clients = new ClientService(db.ds, catalogue);
  const viewer = await clients.createServiceAccount(systemCaller(), {
    name: "hostile viewer",
    role: "operator-viewer",
    operatorId: toGlobalId("Operator", a),
  });
  // A well-behaved client of its own (its own rate limit), for the warm-up.
  const reader = await clients.createServiceAccount(systemCaller(), {
    name: "panel reader",
    role: "operator-viewer",
    operatorId: toGlobalId("Operator", a),
  });
  const admin = await clients.createServiceAccount(systemCaller(), {
    name: "hostile admin",
    role: "provider-admin",
    providerId: toGlobalId("Provider", provider!.id),
  });
  const panel = await clients.createPublicClient(systemCaller(), { name: "Panel", redirectUris: [REDIRECT] });
  const panelClient = await clients.byId(systemCaller(), panel);
  const email = `victim-${slug}@people.example`;
  await new UserService(db.ds, authnSecretBox(ENCRYPTION_KEY), DEFAULT_LOGIN_LIMITS).create(systemCaller(), {
    email,
    displayName: "Victim",
    password: PASSWORD,
  });
  progress(`seeded: provider ${slug}, two operators, a run with a ${(offset / 1048576).toFixed(0)} MB log`);
  return {
    providerId: toGlobalId("Provider", provider!.id),
    providerSlug: slug,
    operatorA: toGlobalId("Operator", a),
    runId: toGlobalId("Run", run!.id),
    foreignDeploymentId: toGlobalId("Deployment", dbId),
    viewer,
    reader,
    admin,
    panelClientId: panelClient!.clientId,
    user: { email },
  };
}

async function contextFor(url: string, f: Fixture): Promise<AttackContext> {
  const adminToken = await tokenOf(url, f.admin);
  const viewerToken = await tokenOf(url, f.viewer);
  // A NetBox connection with a webhook secret, so a bad signature is checked, not merely unconfigured.
  const set = await send(url, {
    path: "/graphql",
    headers: { "content-type": "application/json", authorization: `Bearer ${adminToken}` },
    body: JSON.stringify({
      query: `mutation($p: ID!, $i: NetboxConnectionInput!) { setNetboxConnection(providerId: $p, input: $i) { url } }`,
      variables: {
        p: f.providerId,
        i: {
          url: "http://127.0.0.1:9",
          token: "0123456789abcdef0123456789abcdef01234567",
          webhookSecret: "hostile-bench-webhook-secret",
          schedule: { enabled: false },
        },
      },
    }),
  });
  if (set.body.toString().includes('"errors"'))
    throw new Error(`setNetboxConnection: ${set.body.toString()}`);
  const signIn = await signInForm(url, f.panelClientId, REDIRECT);
  return {
    viewerToken,
    adminToken,
    runId: f.runId,
    foreignDeploymentId: f.foreignDeploymentId,
    operatorId: f.operatorA,
    providerId: f.providerId,
    providerSlug: f.providerSlug,
    clientId: f.viewer.clientId,
    signIn: { ...signIn, email: f.user.email },
    n: 0,
  };
}

/** A client-credentials token from the server's token endpoint. */
async function tokenOf(url: string, c: { clientId: string; clientSecret: string }): Promise<string> {
  const res = await fetch(`${url}/oidc/token`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      authorization: `Basic ${Buffer.from(`${c.clientId}:${c.clientSecret}`).toString("base64")}`,
    },
    body: "grant_type=client_credentials&scope=api",
  });
  if (!res.ok) throw new Error(`token for ${c.clientId}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

/** Reads at CONCURRENCY for the given seconds, a token issued, and one successful sign-in. */
async function warmUp(url: string, f: Fixture, seconds: number): Promise<void> {
  const until = performance.now() + seconds * 1000;
  const headers = {
    "content-type": "application/json",
    authorization: `Bearer ${await tokenOf(url, f.reader)}`,
  };
  let limited = 0;
  // Small reads and larger ones, as a panel would send them.
  const reads = [
    { path: "/graphql", headers, body: JSON.stringify({ query: "{ me { id name } }" }) },
    {
      path: "/graphql",
      headers,
      body: JSON.stringify({
        query: "{ operators(first: 5) { nodes { id name dnsZone deployments { nodes { id name } } } } }",
      }),
    },
  ];
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < until) {
        const res = await send(url, reads[Math.floor(Math.random() * reads.length)]!);
        // Past its rate limit a client is told to wait, as in production; anything else is a bench fault.
        if (res.status === 429) limited++;
        else if (res.status !== 200) throw new Error(`warm-up read answered ${res.status}`);
      }
    }),
  );
  const form = await signInForm(url, f.panelClientId, REDIRECT);
  const signedIn = await send(url, {
    path: form.action,
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: form.cookie },
    body: new URLSearchParams({ csrf: form.csrf, email: f.user.email, password: PASSWORD }).toString(),
  });
  if (signedIn.status >= 400) throw new Error(`warm-up sign-in answered ${signedIn.status}`);
  progress(`warmed up: reads for ${seconds} s (${limited} rate-limited), a sign-in (${signedIn.status})`);
}

/** Sends the attack from CONCURRENCY loops for the given seconds; how each answer counted. */
async function hammer(
  url: string,
  attack: Attack,
  ctx: AttackContext,
  seconds: number,
  rss: RssSampler,
): Promise<KindFigures> {
  const k: KindFigures = {
    sent: 0,
    fourXx: 0,
    refusedIn200: 0,
    answered: 0,
    errors: 0,
    slowestMs: 0,
    statuses: {},
    rssPeakMb: 0,
  };
  rss.resetWindow();
  const until = performance.now() + seconds * 1000;
  const loop = async () => {
    while (performance.now() < until) {
      const started = performance.now();
      k.sent++;
      try {
        const res = await send(url, attack.request({ ...ctx, n: ctx.n++ }));
        const ms = performance.now() - started;
        k.slowestMs = Math.max(k.slowestMs, ms);
        k.statuses[res.status] = (k.statuses[res.status] ?? 0) + 1;
        const verdict = verdictOf(res.status, res.body);
        if (verdict === "4xx") k.fourXx++;
        else if (verdict === "refused-200") k.refusedIn200++;
        else k.answered++;
      } catch {
        k.errors++;
        k.slowestMs = Math.max(k.slowestMs, performance.now() - started);
      }
    }
  };
  progress(`${attack.name}: ${CONCURRENCY} at once for ${seconds} s`);
  await Promise.all(Array.from({ length: CONCURRENCY }, loop));
  k.rssPeakMb = rss.windowPeak() / 1048576;
  return k;
}

type Sent = { status: number; body: Buffer };

async function send(
  base: string,
  r: { path: string; method?: string; headers?: Record<string, string>; body?: string | Buffer },
): Promise<Sent> {
  const res = await fetch(`${base}${r.path}`, {
    method: r.method ?? "POST",
    headers: r.headers,
    body: r.body,
    redirect: "manual",
    signal: AbortSignal.timeout(60_000),
  });
  return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
}

/** Rows and bytes of the accounting log (every event row, as PostgreSQL stores it). */
async function auditSize(db: BenchDatabase): Promise<{ events: number; bytes: number }> {
  const [row] = (await db.ds.query(
    `SELECT count(*)::int AS events, COALESCE(sum(pg_column_size(e.*)), 0)::bigint AS bytes FROM accounting_event e`,
  )) as { events: number; bytes: string }[];
  return { events: row!.events, bytes: Number(row!.bytes) };
}

type RssSampler = {
  current: () => number;
  stop: () => number;
  resetWindow: () => void;
  windowPeak: () => number;
};

function sampleRss(pid: number): RssSampler {
  const read = () => {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : 0;
  };
  let peak = read();
  let window = 0;
  const timer = setInterval(() => {
    try {
      const now = read();
      peak = Math.max(peak, now);
      window = Math.max(window, now);
    } catch {
      // the process is gone; its last peak stands
    }
  }, 50);
  return {
    current: read,
    resetWindow: () => {
      window = 0;
    },
    windowPeak: () => window,
    stop: () => {
      clearInterval(timer);
      return peak;
    },
  };
}

function startProbe(url: string): { stop: () => Promise<{ latencies: number[]; failures: number }> } {
  const worker = new Worker(fileURLToPath(new URL("./support/healthz-probe.js", import.meta.url)), {
    workerData: { url, intervalMs: 20 },
  });
  const done = new Promise<{ latencies: number[]; failures: number }>((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
  });
  return {
    stop: async () => {
      worker.postMessage("stop");
      const figures = await done;
      await worker.terminate();
      return figures;
    },
  };
}

type ServerProcess = { pid: number; url: string; stop: () => Promise<void> };

/** `node dist/src/main.js` on the bench database, as an operator runs it; its log goes to stderr. */
async function startServerProcess(databaseUrl: string): Promise<ServerProcess> {
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const main = fileURLToPath(new URL("../src/main.js", import.meta.url));
  const child = spawn(process.execPath, [main], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: "127.0.0.1",
      DATABASE_URL: databaseUrl,
      SEED_DEMO: "false",
      LOG_LEVEL: "error",
      AUTH_ENCRYPTION_KEY: ENCRYPTION_KEY,
      NETBOX_SECRET_KEY: NETBOX_KEY,
      RUN_CONCURRENCY: "1",
      ACCOUNTING_FAILURE_WINDOW_SECONDS: String(FAILURE_WINDOW_SECONDS),
      ...(RATE_LIMITS_ON
        ? {}
        : {
            RATE_LIMIT_GRAPHQL: "0",
            RATE_LIMIT_TOKEN_IP: "0",
            RATE_LIMIT_TOKEN_CLIENT_FAILURES: "0",
            RATE_LIMIT_WEBHOOK_IP: "0",
          }),
    },
    stdio: ["ignore", process.stderr, process.stderr],
  });
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/readyz`)).ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    pid: child.pid!,
    url,
    stop: async () => {
      if (child.exitCode === null) child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
