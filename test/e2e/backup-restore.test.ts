import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { Client } from "pg";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { TEST_DB_PREFIX, serverUrl, withDatabaseName } from "../support/db-url.js";
import { CLI, MAIN, freePort, spawnNode, waitReady } from "../support/processes.js";
import { useTempDir } from "../support/temp-dir.js";
import { TEST_ENCRYPTION_KEY } from "../support/tokens.js";

const run = promisify(execFile);

// The README's backup: pg_dump of the database plus the keys kept apart from it. Restored into a new
// database and started with the same keys, the old tokens and the accounting chains still verify.
describe("backup and restore", () => {
  const dir = useTempDir("fedicentral-backup-");
  let db: TestDatabase;
  const restoredName = `${TEST_DB_PREFIX}restored_${randomBytes(4).toString("hex")}`;
  const restoredUrl = withDatabaseName(serverUrl(), restoredName);
  beforeAll(async () => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build first`);
    db = await createTestDatabase();
    await db.ds.destroy();
  });
  afterAll(async () => {
    await db?.drop();
    const admin = new Client({ connectionString: serverUrl() });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${restoredName} WITH (FORCE)`);
    await admin.end();
  });

  /** Production mode with the keys as files, as the NixOS module hands them over. */
  const productionEnv = (databaseUrl: string, authKey = TEST_ENCRYPTION_KEY) => {
    const files: Record<string, string> = {
      AUTH_ENCRYPTION_KEY: authKey,
      ACCOUNTING_SIGNING_KEY_SECRET: signingSecret,
    };
    const env: Record<string, string> = {
      NODE_ENV: "production",
      LOG_LEVEL: "warn",
      DATABASE_URL: databaseUrl,
    };
    for (const [name, value] of Object.entries(files)) {
      const file = path.join(dir.path, `${name}-${randomBytes(3).toString("hex")}`);
      writeFileSync(file, `${value}\n`, { mode: 0o600 });
      env[`${name}_FILE`] = file;
    }
    return env;
  };
  const signingSecret = randomBytes(32).toString("base64");

  const cli = async (env: Record<string, string>, ...args: string[]) =>
    (await run(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? "", ...env } })).stdout;

  const graphql = async (base: string, token: string, query: string) => {
    const res = await fetch(`${base}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ query }),
    });
    return { status: res.status, body: (await res.json()) as { data?: any; errors?: unknown[] } };
  };

  // An operator's chain: the chain of events that belong to no operator is the installation's to verify.
  const verify = (operator: string) =>
    `{ verifyChain(operator: "${operator}") { ok problem eventsChecked checkpointsVerified } }`;

  it("dump, restore into a new database, start with the same keys: old tokens and the chains verify", async () => {
    const env = productionEnv(db.url);
    await cli(env, "provider", "create", "--name", "Backup Hosting", "--slug", "backup");
    const client = JSON.parse(
      await cli(
        env,
        "client",
        "create",
        "--name",
        "backup",
        "--provider",
        "backup",
        "--role",
        "provider-admin",
        "--json",
      ),
    ) as { client_id: string; client_secret: string };

    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const before = spawnNode(MAIN, [], { ...env, PORT: String(port), PUBLIC_URL: base });
    let token: string;
    let operatorId: string;
    try {
      await waitReady(base, before);
      const issued = await fetch(`${base}/oidc/token`, {
        method: "POST",
        headers: {
          authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString("base64")}`,
          "content-type": "application/x-www-form-urlencoded",
        },
        body: "grant_type=client_credentials&scope=api",
      });
      token = ((await issued.json()) as { access_token: string }).access_token;
      expect(
        (
          await graphql(
            base,
            token,
            `
              {
                providers {
                  nodes {
                    slug
                  }
                }
              }
            `,
          )
        ).body.data.providers.nodes,
      ).toEqual([{ slug: "backup" }]);
      const providerId = (
        await graphql(
          base,
          token,
          `
            {
              providers {
                nodes {
                  id
                }
              }
            }
          `,
        )
      ).body.data.providers.nodes[0].id as string;
      const created = await graphql(
        base,
        token,
        `mutation { createOperator(input: { providerId: "${providerId}", name: "Kept", slug: "kept",
           contactEmail: "ops@kept.example", dnsZone: "kept.example" }) { id } }`,
      );
      operatorId = created.body.data.createOperator.id;
      await cli(env, "accounting", "checkpoint");
      const verified = (await graphql(base, token, verify(operatorId))).body.data.verifyChain;
      expect(verified).toMatchObject({ ok: true, problem: null, checkpointsVerified: expect.any(Number) });
      expect(verified.checkpointsVerified).toBeGreaterThan(0);
    } finally {
      before.child.kill("SIGTERM");
    }
    expect(await before.exited).toBe(0);

    // The backup: the database, in PostgreSQL's own format; the keys are the files above.
    const dump = path.join(dir.path, "fedicentral.dump");
    await run("pg_dump", ["--format=custom", `--file=${dump}`, `--dbname=${db.url}`]);
    const admin = new Client({ connectionString: serverUrl() });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${restoredName}`);
    await admin.end();
    await run("pg_restore", ["--no-owner", "--exit-on-error", `--dbname=${restoredUrl}`, dump]);

    // Without the encryption key it was stored with, the restored database is of no use.
    const wrongKey = spawnNode(MAIN, [], {
      ...productionEnv(restoredUrl, "another-encryption-key-0123456789abcdef"),
      PORT: String(port),
      PUBLIC_URL: base,
    });
    expect(await wrongKey.exited).toBe(1);
    expect(wrongKey.output()).toMatch(/cannot decrypt .*AUTH_ENCRYPTION_KEY/);

    const after = spawnNode(MAIN, [], {
      ...productionEnv(restoredUrl),
      PORT: String(port),
      PUBLIC_URL: base,
    });
    try {
      await waitReady(base, after);
      // Signed before the backup, by a key now read from the restored database.
      const providers = await graphql(
        base,
        token,
        `
          {
            providers {
              nodes {
                slug
              }
            }
          }
        `,
      );
      expect(providers).toEqual({
        status: 200,
        body: { data: { providers: { nodes: [{ slug: "backup" }] } } },
      });
      const verified = (await graphql(base, token, verify(operatorId))).body.data.verifyChain;
      expect(verified).toMatchObject({ ok: true, problem: null });
      expect(verified.checkpointsVerified).toBeGreaterThan(0);
    } finally {
      after.child.kill("SIGTERM");
    }
    expect(await after.exited).toBe(0);
  });
});
