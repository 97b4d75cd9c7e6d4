// The platform as the stories meet it: an empty database migrated by `fedicentral db migrate`, the built
// server and a `fedicentral worker` as processes in production mode, the `fedicentral` command in a shell
// as a provider admin types it, the fake nixops4 evaluating the Nix library, and headless Chromium.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { CHROMIUM } from "../../support/browser.js";
import { createEmptyDatabase } from "../../support/db.js";
import { NIXPKGS_LIB, nixMissing } from "../../support/nix.js";
import { CLI, MAIN, type Proc, freePort, spawnNode, waitReady } from "../../support/processes.js";
import { TEST_SECRET_KEY } from "../../support/netbox.js";
import { TEST_ENCRYPTION_KEY } from "../../support/tokens.js";

const FAKE_NIXOPS4 = path.resolve("test/fakes/nixops4/nixops4");

/** Why the browser steps cannot run here, or null. */
export const chromiumMissing = (): string | null =>
  existsSync(CHROMIUM) ? null : `no Chromium at ${CHROMIUM} (apt-get install chromium)`;

/** A story's GraphQL document, as the README quotes it. */
export const query = (name: string): string =>
  readFileSync(path.join("test/e2e/stories", `${name}.graphql`), "utf8");

export type GqlResult = { data?: any; errors?: { message: string; extensions?: any }[] };
export type Shell = { stdout: string; stderr: string; code: number };

export type Platform = {
  url: string;
  databaseUrl: string;
  /** The working directory of the people typing commands. */
  dir: string;
  /** The run directories of the worker (DEPLOYMENTS_DIR). */
  deploymentsDir: string;
  /** Whether the worker's nixops4 evaluates the Nix library (else why not). */
  nixMissing: string | null;
  /** A command line run by bash as typed, `fedicentral` on PATH, the installation's environment plus `vars`. */
  sh: (line: string, vars?: Record<string, string>) => Promise<Shell>;
  gql: (token: string, document: string, variables?: Record<string, unknown>) => Promise<GqlResult>;
  stop: () => Promise<void>;
};

/**
 * Starts the platform on a fresh, empty database. The server and worker run as in production (keys given,
 * migrations by `fedicentral db migrate`, not at start): the server serves the API only, the worker runs
 * nixops4 and NetBox syncs.
 */
export async function startPlatform(dir: string): Promise<Platform> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build first`);
  const db = await createEmptyDatabase();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const deploymentsDir = path.join(dir, "deployments");
  mkdirSync(deploymentsDir);
  const missing = nixMissing();
  // What /etc/fedicentral/env holds on a real installation: every process, and the admin's shell, read it.
  const installation = {
    NODE_ENV: "production",
    DATABASE_URL: db.url,
    AUTH_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
    ACCOUNTING_SIGNING_KEY_SECRET: randomBytes(32).toString("base64"),
    NETBOX_SECRET_KEY: TEST_SECRET_KEY,
    PUBLIC_URL: url,
    LOG_LEVEL: "warn",
  };
  // `fedicentral` as the package installs it.
  const bin = path.join(dir, "bin");
  mkdirSync(bin);
  writeFileSync(
    path.join(bin, "fedicentral"),
    `#!/bin/sh\nexec "${process.execPath}" "${path.resolve(CLI)}" "$@"\n`,
  );
  chmodSync(path.join(bin, "fedicentral"), 0o755);

  const sh = async (line: string, vars: Record<string, string> = {}): Promise<Shell> => {
    try {
      const { stdout, stderr } = await promisify(execFile)("bash", ["-eo", "pipefail", "-c", line], {
        cwd: dir,
        env: {
          PATH: `${bin}:${process.env.PATH ?? ""}`,
          HOME: process.env.HOME ?? "/tmp",
          ...installation,
          LOG_LEVEL: "silent",
          URL: url,
          ...vars,
        },
        maxBuffer: 64 * 1024 * 1024,
      });
      return { stdout, stderr, code: 0 };
    } catch (e) {
      const err = e as { stdout?: string; stderr?: string; code?: number };
      return { stdout: err.stdout ?? "", stderr: err.stderr ?? "", code: err.code ?? -1 };
    }
  };

  const procs: Proc[] = [];
  const stop = async () => {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill("SIGTERM");
    await Promise.all(procs.map((p) => p.exited));
    await db.drop();
  };
  try {
    const migrated = await sh("fedicentral db migrate");
    if (migrated.code !== 0) throw new Error(`db migrate failed:\n${migrated.stderr}`);
    const server = spawnNode(MAIN, [], {
      ...installation,
      PORT: String(port),
      RUN_CONCURRENCY: "0",
      NETBOX_SYNC_WORKER: "false",
    });
    procs.push(server);
    const worker = spawnNode(CLI, ["worker"], {
      ...installation,
      DB_POOL_SIZE: "4",
      METRICS_PORT: String(await freePort()),
      NIXOPS4_BIN: FAKE_NIXOPS4,
      DEPLOYMENTS_DIR: deploymentsDir,
      ...(missing ? {} : { NIXOPS4_PASS_ENV: "NIXPKGS_LIB", NIXPKGS_LIB }),
    });
    procs.push(worker);
    await waitReady(url, server);
  } catch (e) {
    await stop();
    throw e;
  }

  const gql = async (token: string, document: string, variables: Record<string, unknown> = {}) => {
    const res = await fetch(`${url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: document, variables }),
    });
    return (await res.json()) as GqlResult;
  };

  return { url, databaseUrl: db.url, dir, deploymentsDir, nixMissing: missing, sh, gql, stop };
}

/** The data of a GraphQL answer that must have succeeded; its errors otherwise. */
export function ok(result: GqlResult): any {
  if (result.errors) throw new Error(`GraphQL errors: ${JSON.stringify(result.errors, null, 2)}`);
  return result.data;
}

/** The output of a command that must have succeeded; its stderr otherwise. */
export function out(result: Shell): string {
  if (result.code !== 0) throw new Error(`exit ${result.code}:\n${result.stderr}${result.stdout}`);
  return result.stdout;
}
