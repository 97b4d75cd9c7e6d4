import "reflect-metadata";
import { randomBytes } from "node:crypto";
import http from "node:http";
import os from "node:os";
import { exportJWK, generateKeyPair } from "jose";
import Provider, { errors } from "oidc-provider";
import { ClientService } from "../src/authn/clients/client.service.js";
import { toGlobalId } from "../src/common/global-id.js";
import { loadConfig } from "../src/config.js";
import { COUNTED_NOT_LIMITED } from "./support/limits.js";
import { systemCaller } from "../src/common/caller.js";
import { createLogger } from "../src/logger.js";
import { startServer } from "../src/server.js";
import { createBenchDatabase } from "./support/database.js";
import { type LoadFigures, load } from "./support/load.js";
import { benchNumber, loadBefore, progress } from "./support/progress.js";
import { catalogue } from "../src/grants.js";

/**
 * Client-credentials tokens per second at 16 connections: fedicentral (clients in PostgreSQL, every
 * issuance accounted) against a bare oidc-provider (in-memory adapter, a static client, the same token
 * settings: ES256 JWT access tokens for the API resource, 300 s); and what verifying a token costs a
 * `{ __typename }` request on /graphql, with a token versus without one.
 */

const CONNECTIONS = 16;
const WARMUP_SECONDS = 2;
const ROUNDS = benchNumber("BENCH_ROUNDS", 4, 1);
const TARGETS = { tokensPerSec: 1000, ratio: 0.35, verifyOverheadPct: 10 };
const TOKEN_BODY = "grant_type=client_credentials&scope=api";

export async function run(): Promise<Record<string, unknown>> {
  const seconds = benchNumber("BENCH_SECONDS", 10, 0.1);
  const busy = loadBefore();
  const db = await createBenchDatabase({ poolSize: 10 });
  try {
    // Authorization off: the /graphql side measures token verification, not role lookups (bench authz does).
    const fedi = await startServer(
      loadConfig({
        ...COUNTED_NOT_LIMITED,
        PORT: "0",
        LOG_LEVEL: "silent",
        DATABASE_URL: db.url,
        DB_POOL_SIZE: "10",
        AUTH_ENCRYPTION_KEY: randomBytes(32).toString("base64url"),
      }),
      db.ds,
      createLogger("silent"),
      { authorizationOff: true },
    );
    const [provider] = await db.ds.query(
      `INSERT INTO provider (slug, name, contact_email) VALUES ('bench', 'Bench', 'ops@bench.example') RETURNING id`,
    );
    const sa = await new ClientService(db.ds, catalogue).createServiceAccount(systemCaller(), {
      name: "bench",
      role: "provider-viewer",
      providerId: toGlobalId("Provider", provider.id),
    });
    const bare = await startBareProvider(sa.clientId, sa.clientSecret);
    try {
      const basic = `Basic ${Buffer.from(`${sa.clientId}:${sa.clientSecret}`).toString("base64")}`;
      const tokenHeaders = { "content-type": "application/x-www-form-urlencoded", authorization: basic };
      const fediToken = await issue(`${fedi.url}/oidc/token`, tokenHeaders);
      await issue(`${bare.url}/token`, tokenHeaders);
      progress(`fedicentral issues at ${fedi.url}/oidc/token, bare oidc-provider at ${bare.url}/token`);

      const measure = async (name: string, url: string, body: string, headers: Record<string, string>) => {
        const opts = { url, body, headers, connections: CONNECTIONS, database: db.name };
        await load({ ...opts, seconds: WARMUP_SECONDS });
        const f = await load({ ...opts, seconds });
        progress(
          `${name.padEnd(24)} ${f.reqPerSec.toFixed(0).padStart(6)} req/s, p50 ${f.p50Ms.toFixed(1)} ms, ` +
            `p99 ${f.p99Ms.toFixed(1)} ms, server CPU ${f.cpu.nodeMs.toFixed(3)} ms/req, ` +
            `PostgreSQL CPU ${f.cpu.pgMs === null ? "n/a" : f.cpu.pgMs.toFixed(3)} ms/req`,
        );
        return f;
      };

      // Paired rounds, the order alternating (A B, B A, …): each pair is measured side by side, and the
      // median pair is the figure, so that a drift in the machine's load weighs on both sides alike.
      const paired = async (
        a: [string, () => Promise<LoadFigures>],
        b: [string, () => Promise<LoadFigures>],
      ) => {
        const pairs: { a: LoadFigures; b: LoadFigures }[] = [];
        for (let i = 0; i < ROUNDS; i++) {
          if (i % 2 === 0) {
            const fa = await a[1]();
            pairs.push({ a: fa, b: await b[1]() });
          } else {
            const fb = await b[1]();
            pairs.push({ b: fb, a: await a[1]() });
          }
        }
        return pairs;
      };
      const eventsBefore = await issuedEvents(db.ds);
      const tokenPairs = await paired(
        [
          "fedicentral",
          () => measure("fedicentral tokens", `${fedi.url}/oidc/token`, TOKEN_BODY, tokenHeaders),
        ],
        ["bare", () => measure("bare oidc-provider tokens", `${bare.url}/token`, TOKEN_BODY, tokenHeaders)],
      );
      const accounted = (await issuedEvents(db.ds)) - eventsBefore;
      const issuedOk = tokenPairs.reduce((n, p) => n + p.a.requests, 0);
      // The warm-ups issued tokens too: every one of them must have its event.
      if (accounted < issuedOk)
        throw new Error(`${issuedOk} tokens measured but only ${accounted} issuance events`);

      const typename = JSON.stringify({ query: "{ __typename }" });
      const withToken = { authorization: `Bearer ${fediToken}` };
      const typenamePairs = await paired(
        [
          "with token",
          () => measure("{ __typename } with token", `${fedi.url}/graphql`, typename, withToken),
        ],
        ["anonymous", () => measure("{ __typename } anonymous", `${fedi.url}/graphql`, typename, {})],
      );

      // Latency and CPU figures come from the median pair.
      const mid = medianBy(tokenPairs, (p) => p.a.reqPerSec / p.b.reqPerSec);
      const fedi1 = mid.a;
      const bare1 = mid.b;
      const tokensPerSec = mean(tokenPairs.map((p) => p.a));
      const bareTokensPerSec = mean(tokenPairs.map((p) => p.b));
      const ratio = median(tokenPairs.map((p) => p.a.reqPerSec / p.b.reqPerSec));
      // At a fixed number of connections, mean latency is connections / throughput.
      const verifyOverheadPct = (median(typenamePairs.map((p) => p.b.reqPerSec / p.a.reqPerSec)) - 1) * 100;
      const anon1 = typenamePairs[0]!.b;
      const auth1 = typenamePairs[0]!.a;
      const figures = {
        tokensPerSec: round(tokensPerSec, 0),
        bareTokensPerSec: round(bareTokensPerSec, 0),
        ratio: round(ratio, 2),
        ratioByRound: tokenPairs.map((p) => round(p.a.reqPerSec / p.b.reqPerSec, 2)),
        verifyOverheadPctByRound: typenamePairs.map((p) =>
          round((p.b.reqPerSec / p.a.reqPerSec - 1) * 100, 1),
        ),
        verifyOverheadPct: round(verifyOverheadPct, 1),
        typenameReqPerSec: {
          anonymous: round(mean(typenamePairs.map((p) => p.b)), 0),
          withToken: round(mean(typenamePairs.map((p) => p.a)), 0),
        },
        typenameP50Ms: { anonymous: anon1.p50Ms, withToken: auth1.p50Ms },
        tokenP50Ms: fedi1.p50Ms,
        tokenP99Ms: fedi1.p99Ms,
        bareTokenP50Ms: bare1.p50Ms,
        cpuMsPerToken: {
          server: round(fedi1.cpu.nodeMs, 3),
          postgres: fedi1.cpu.pgMs && round(fedi1.cpu.pgMs, 3),
        },
        bareCpuMsPerToken: round(bare1.cpu.nodeMs, 3),
        issuanceEvents: accounted,
        targets: TARGETS,
        meetsTokensPerSec: tokensPerSec >= TARGETS.tokensPerSec,
        meetsRatio: ratio >= TARGETS.ratio,
        meetsVerifyOverhead: verifyOverheadPct < TARGETS.verifyOverheadPct,
        connections: CONNECTIONS,
        seconds,
        rounds: ROUNDS,
        machine: { node: process.version, cpus: os.availableParallelism(), postgres: db.serverVersion },
        database: db.source,
        loadAverage: { before: round(busy, 2), after: round(os.loadavg()[0]!, 2) },
      };
      progress(
        `tokens/s ${figures.tokensPerSec} (bare ${figures.bareTokensPerSec}, ratio ${figures.ratio}); ` +
          `verification adds ${figures.verifyOverheadPct} % to { __typename }`,
      );
      return figures;
    } finally {
      await bare.stop();
      await fedi.stop();
    }
  } finally {
    await db.drop();
  }
}

/** oidc-provider as its own quick start would run it, with our token settings and a static client. */
async function startBareProvider(clientId: string, clientSecret: string) {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const { privateKey } = await generateKeyPair("ES256", { extractable: true });
  const audience = `${url}/graphql`;
  const provider = new Provider(url, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        grant_types: ["client_credentials"],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: "client_secret_basic",
        id_token_signed_response_alg: "ES256",
        scope: "api",
      },
    ],
    jwks: { keys: [{ ...(await exportJWK(privateKey)), kid: "bench", alg: "ES256", use: "sig" }] } as never,
    scopes: ["openid", "api"],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => audience,
        getResourceServerInfo: async (_ctx, resource) => {
          if (resource !== audience) throw new errors.InvalidTarget();
          return {
            scope: "api",
            audience,
            accessTokenTTL: 300,
            accessTokenFormat: "jwt",
            jwt: { sign: { alg: "ES256" } },
          };
        },
      },
    },
    ttl: { ClientCredentials: 300 },
  });
  const handle = provider.callback();
  server.on("request", (req, res) => void handle(req, res));
  return { url, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

async function issue(url: string, headers: Record<string, string>): Promise<string> {
  const res = await fetch(url, { method: "POST", headers, body: TOKEN_BODY });
  const body = (await res.json()) as { access_token?: string };
  if (res.status !== 200 || !body.access_token)
    throw new Error(`${url} answered ${res.status}: ${JSON.stringify(body)}`);
  return body.access_token;
}

async function issuedEvents(ds: { query: (sql: string) => Promise<{ n: number }[]> }): Promise<number> {
  const [r] = await ds.query(
    `SELECT count(*)::int AS n FROM accounting_event WHERE action = 'issue' AND target_kind = 'token'`,
  );
  return r!.n;
}

const mean = (fs: LoadFigures[]) => fs.reduce((t, f) => t + f.reqPerSec, 0) / fs.length;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
/** The element whose key is the median (the lower middle one for an even count). */
const medianBy = <T>(xs: T[], key: (x: T) => number): T =>
  [...xs].sort((a, b) => key(a) - key(b))[Math.floor((xs.length - 1) / 2)]!;
const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;
