import "reflect-metadata";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { ClientService } from "../../../src/authn/clients/client.service.js";
import { systemCaller } from "../../../src/common/caller.js";
import { toGlobalId } from "../../../src/common/global-id.js";
import { createDataSource, migrate } from "../../../src/db/data-source.js";
import { catalogue } from "../../../src/grants.js";
import { createLogger } from "../../../src/logger.js";
import { progress } from "../progress.js";
import { checkSoak, type SoakFigures } from "./checks.js";
import {
  type Postgres,
  type Proc,
  adminQuery,
  freePort,
  readyz,
  rssOf,
  sleep,
  spawnProcess,
  startPostgres,
  waitReady,
} from "./cluster.js";
import { Load } from "./load.js";

export type FaultName = "pg-terminate" | "kill-server" | "kill-worker" | "restart-postgres" | "pause-server";

export type SoakOptions = {
  seconds: number;
  /** Requests per second, all kinds together. */
  rate: number;
  /** Each fault at this fraction of the duration. */
  faults: { name: FaultName; at: number }[];
  /** RSS is compared between this second and the end. */
  rssBaselineSecond: number;
  /** The most a server's RSS may grow over that span, in per cent. */
  maxRssGrowthPct: number;
};

/** The full soak: every kind of fault, some twice. */
export const FULL_FAULTS: SoakOptions["faults"] = [
  { name: "pg-terminate", at: 0.15 },
  { name: "kill-server", at: 0.25 },
  { name: "kill-worker", at: 0.38 },
  { name: "restart-postgres", at: 0.5 },
  { name: "pause-server", at: 0.62 },
  { name: "kill-worker", at: 0.72 },
  { name: "pg-terminate", at: 0.8 },
];

export type Fault = { name: FaultName; at: number; end: number; detail: string };

// Short enough for the faults to show within a minute; the worker heartbeat is what a pause must exceed.
const RUN_HEARTBEAT_MS = 500;
const RUN_LOST_AFTER_MS = 4000;
const PAUSE_MS = 3000;
const FAKE = path.resolve("test/fakes/nixops4/nixops4");

/** Starts the installation, loads it for the duration with the faults, and checks what it kept. */
export async function runSoak(opts: SoakOptions): Promise<SoakFigures> {
  const pg = await startPostgres();
  const dir = await mkdtemp(path.join(os.tmpdir(), "fedicentral-soak-"));
  const procs: Proc[] = [];
  try {
    return await soak(opts, pg, dir, procs);
  } finally {
    for (const p of procs) {
      p.killed = true;
      if (p.child.exitCode === null) {
        p.child.kill("SIGCONT");
        p.child.kill("SIGKILL");
      }
    }
    await pg.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

async function soak(opts: SoakOptions, pg: Postgres, dir: string, procs: Proc[]): Promise<SoakFigures> {
  const ds = createDataSource({ url: pg.url, log: createLogger("silent"), poolSize: 2 });
  await ds.initialize();
  await migrate(ds);
  const [provider] = await ds.query(
    `INSERT INTO provider (slug, name, contact_email) VALUES ('soak', 'Soak', 'ops@soak.example') RETURNING id`,
  );
  const sa = await new ClientService(ds, catalogue).createServiceAccount(systemCaller(), {
    name: "soak",
    role: "provider-admin",
    providerId: toGlobalId("Provider", provider.id as string),
  });
  await ds.destroy();

  const record = path.join(dir, "nixops4.jsonl");
  const common = {
    DATABASE_URL: pg.url,
    LOG_LEVEL: "warn",
    DB_POOL_SIZE: "8",
    AUTH_ENCRYPTION_KEY: randomBytes(32).toString("base64url"),
    ACCOUNTING_SIGNING_KEY_SECRET: randomBytes(32).toString("base64"),
    DEPLOYMENTS_DIR: path.join(dir, "deployments"),
    RUN_HEARTBEAT_MS: String(RUN_HEARTBEAT_MS),
    RUN_LOST_AFTER_MS: String(RUN_LOST_AFTER_MS),
    RUN_KILL_GRACE_MS: "500",
    RUN_POLL_MS: "200",
    RATE_LIMIT_GRAPHQL: "0",
    RATE_LIMIT_TOKEN_IP: "0",
    METRICS_ENABLED: "true",
    NETBOX_SYNC_WORKER: "false",
  };
  const ports = [await freePort(), await freePort()];
  const urls = ports.map((p) => `http://127.0.0.1:${p}`);
  const servers: Proc[] = [];
  const startServer = (i: number) => {
    const p = spawnProcess(`server-${i}`, "server", {
      ...common,
      PORT: String(ports[i]),
      PUBLIC_URL: urls[0]!,
      // As production runs them: the worker process takes the runs, servers only mark lost ones.
      RUN_CONCURRENCY: "0",
      SEED_DEMO: "false",
    });
    procs.push(p);
    servers[i] = p;
    return p;
  };
  let worker!: Proc;
  const startWorker = () => {
    worker = spawnProcess("worker", "worker", {
      ...common,
      RUN_CONCURRENCY: "4",
      NIXOPS4_BIN: FAKE,
      NIXOPS4_PASS_ENV: "FAKE_NIXOPS4_RECORD,FAKE_NIXOPS4_DELAY_MS,FAKE_NIXOPS4_RESOURCES",
      FAKE_NIXOPS4_RECORD: record,
      FAKE_NIXOPS4_DELAY_MS: "300",
      FAKE_NIXOPS4_RESOURCES: "web.nginx,mail.postfix,dns.zone,backup.restic",
    });
    procs.push(worker);
    return worker;
  };
  await Promise.all([0, 1].map((i) => waitReady(urls[i]!, startServer(i))));
  startWorker();
  progress(`servers at ${urls.join(", ")}, worker started`);

  // Operators and a few deployments each, through the API, as the load's client.
  const load = new Load({
    servers: urls,
    rate: opts.rate,
    operators: await seedOperators(urls[0]!, sa.clientId, sa.clientSecret),
    clientId: sa.clientId,
    clientSecret: sa.clientSecret,
  });

  const t0 = Date.now();
  const faults: Fault[] = [];
  const rss: { server: number; pid: number; t: number; bytes: number }[] = [];
  const sampler = setInterval(() => {
    servers.forEach((p, i) => {
      const bytes = rssOf(p.child.pid);
      if (bytes !== null && p.child.exitCode === null)
        rss.push({ server: i, pid: p.child.pid!, t: (Date.now() - t0) / 1000, bytes });
    });
  }, 2000);
  await load.start();
  progress(`load at ${opts.rate} requests/s for ${opts.seconds} s`);

  const bothReady = async (timeoutMs = 60_000) => {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      const s = await Promise.all(urls.map(readyz));
      if (s.every((x) => x === 200)) return;
      await sleep(200);
    }
    const statuses = await Promise.all(urls.map(readyz));
    throw new Error(
      `servers did not become ready again (/readyz ${statuses.join(", ")}):\n` +
        servers.map((p) => `[${p.name}]\n${p.output().slice(-3000)}`).join("\n"),
    );
  };
  const inject = async (name: FaultName): Promise<string> => {
    switch (name) {
      case "pg-terminate": {
        const killed = await adminQuery<{ pid: number }>(
          pg.adminUrl,
          `SELECT pid FROM pg_stat_activity WHERE datname = 'soak' AND application_name LIKE 'fedicentral%'
             AND random() < 0.5 AND pg_terminate_backend(pid)`,
        );
        return `${killed.length} connections terminated`;
      }
      case "kill-server": {
        const followed = await load.followedOn(0, 0);
        const p = servers[0]!;
        p.killed = true;
        p.child.kill("SIGKILL");
        await p.exited;
        await sleep(3000);
        await waitReady(urls[0]!, startServer(0));
        return `server-0 (pid ${p.child.pid}) killed with ${followed} live logs followed on it, restarted after 3 s`;
      }
      case "kill-worker": {
        // During runs: wait (a little) for one to be running.
        for (let i = 0; i < 50; i++) {
          const [r] = await adminQuery<{ n: number }>(
            pg.url,
            `SELECT count(*)::int AS n FROM run WHERE state = 'running'`,
          );
          if (r!.n > 0) break;
          await sleep(100);
        }
        const [{ n } = { n: 0 }] = await adminQuery<{ n: number }>(
          pg.url,
          `SELECT count(*)::int AS n FROM run WHERE state IN ('running', 'canceling')`,
        );
        const p = worker;
        p.killed = true;
        p.child.kill("SIGKILL");
        await p.exited;
        await sleep(1000);
        startWorker();
        // Its runs are lost once their heartbeat is older than RUN_LOST_AFTER_MS.
        await sleep(RUN_LOST_AFTER_MS + 1500);
        return `worker (pid ${p.child.pid}) killed with ${n} runs active, restarted after 1 s`;
      }
      case "restart-postgres": {
        await pg.restart(2000);
        return "fast shutdown, 2 s down, started again";
      }
      case "pause-server": {
        const p = servers[1]!;
        p.child.kill("SIGSTOP");
        await sleep(PAUSE_MS);
        p.child.kill("SIGCONT");
        return `server-1 (pid ${p.child.pid}) stopped for ${PAUSE_MS} ms (heartbeat ${RUN_HEARTBEAT_MS} ms)`;
      }
    }
  };

  for (const f of [...opts.faults].sort((a, b) => a.at - b.at)) {
    const due = t0 + f.at * opts.seconds * 1000 - Date.now();
    if (due > 0) await sleep(due);
    // A server is killed during a deploy: while a run's live log is followed on it, which must then resume.
    if (f.name === "kill-server") await load.followedOn(0, 15_000);
    const at = (Date.now() - t0) / 1000;
    progress(`fault ${f.name}`);
    const detail = await inject(f.name);
    await bothReady();
    // Requests already sent when the service came back may still end in the fault's wake.
    await sleep(1000);
    faults.push({ name: f.name, at, end: (Date.now() - t0) / 1000, detail });
    progress(`fault ${f.name} over after ${(faults.at(-1)!.end - at).toFixed(1)} s: ${detail}`);
  }
  const rest = t0 + opts.seconds * 1000 - Date.now();
  if (rest > 0) await sleep(rest);
  clearInterval(sampler);
  const seconds = (Date.now() - t0) / 1000;
  progress("load stopped; waiting for runs and subscriptions to end");
  await load.stop(120_000);

  return checkSoak({
    opts,
    seconds,
    t0,
    pg,
    dir,
    record,
    load,
    faults,
    rss,
    procs,
    env: common,
  });
}

/** Four operators with two deployments each, created through the API. */
async function seedOperators(url: string, clientId: string, clientSecret: string) {
  const basic = `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString("base64")}`;
  const tokenRes = await fetch(`${url}/oidc/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", authorization: basic },
    body: "grant_type=client_credentials&scope=api",
  });
  const token = ((await tokenRes.json()) as { access_token: string }).access_token;
  const gql = async (query: string, variables: object) => {
    const res = await fetch(`${url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as { data?: Record<string, { id: string }>; errors?: unknown };
    if (!body.data) throw new Error(`seeding failed: ${JSON.stringify(body.errors)}`);
    return body.data;
  };
  const [{ id: providerGid } = { id: "" }] = (
    (await gql(`{ providers(first: 1) { nodes { id } } }`, {})) as unknown as {
      providers: { nodes: { id: string }[] };
    }
  ).providers.nodes;
  const operators: { id: string; deployments: string[] }[] = [];
  for (let i = 1; i <= 4; i++) {
    const op = await gql(`mutation($i: CreateOperatorInput!) { createOperator(input: $i) { id } }`, {
      i: {
        providerId: providerGid,
        slug: `soak-op-${i}`,
        name: `Soak operator ${i}`,
        contactEmail: `op${i}@soak.example`,
        dnsZone: `op${i}.soak.example`,
      },
    });
    const deployments: string[] = [];
    for (let j = 1; j <= 2; j++) {
      const d = await gql(
        `mutation($o: ID!, $n: String!) { createDeployment(input: { operatorId: $o, name: $n }) { id } }`,
        { o: op.createOperator!.id, n: `seed-${i}-${j}` },
      );
      deployments.push(d.createDeployment!.id);
    }
    operators.push({ id: op.createOperator!.id, deployments });
  }
  return operators;
}
