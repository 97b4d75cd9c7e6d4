import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { factories } from "../support/factories.js";
import { CLI, MAIN, freePort, spawnNode, waitReady } from "../support/processes.js";
import { useTempDir } from "../support/temp-dir.js";
import { TEST_ENCRYPTION_KEY } from "../support/tokens.js";

// NODE_ENV=production refuses to start without the keys whose loss loses data or trust, and writes none.
const SIGNING_SECRET = randomBytes(32).toString("base64");
const NETBOX_KEY = randomBytes(32).toString("hex");

describe("production mode", () => {
  const dir = useTempDir("fedicentral-production-");
  let db: TestDatabase;
  beforeAll(async () => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build first`);
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  /** The secrets as files, as systemd's LoadCredential hands them over. */
  const secretFiles = (secrets: Record<string, string>) => {
    const env: Record<string, string> = {};
    for (const [name, value] of Object.entries(secrets)) {
      const file = path.join(dir.path, name);
      writeFileSync(file, `${value}\n`, { mode: 0o600 });
      env[`${name}_FILE`] = file;
    }
    return env;
  };

  const base = () => ({
    NODE_ENV: "production",
    LOG_LEVEL: "info",
    DATA_DIR: path.join(dir.path, "data"),
    PORT: "0",
  });

  const refusal = async (script: string, args: string[], env: Record<string, string>) => {
    const proc = spawnNode(script, args, env);
    // A process that starts instead of refusing fails the test rather than hang it.
    const timer = setTimeout(() => proc.child.kill("SIGKILL"), 20_000);
    const code = await proc.exited;
    clearTimeout(timer);
    return { code, output: proc.output() };
  };

  it.each([
    ["AUTH_ENCRYPTION_KEY", { ACCOUNTING_SIGNING_KEY_SECRET: SIGNING_SECRET }],
    ["ACCOUNTING_SIGNING_KEY_SECRET", { AUTH_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY }],
  ])("the server refuses to start without %s (exit 2, naming it), writing no key", async (missing, keys) => {
    const result = await refusal(MAIN, [], { ...base(), DATABASE_URL: db.url, ...keys });
    expect(result.code).toBe(2);
    expect(result.output).toMatch(new RegExp(`${missing}\\b.*production`));
    expect(existsSync(path.join(dir.path, "data"))).toBe(false);
  });

  it("the worker refuses the same", async () => {
    const result = await refusal(CLI, ["worker"], {
      ...base(),
      DATABASE_URL: db.url,
      AUTH_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
    });
    expect(result.code).toBe(2);
    expect(result.output).toMatch(/ACCOUNTING_SIGNING_KEY_SECRET\b.*production/);
  });

  it("refuses to run without DATABASE_URL rather than start embedded PostgreSQL", async () => {
    const result = await refusal(MAIN, [], {
      ...base(),
      AUTH_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
      ACCOUNTING_SIGNING_KEY_SECRET: SIGNING_SECRET,
    });
    expect(result.code).toBe(2);
    expect(result.output).toMatch(/DATABASE_URL\b.*production/);
    expect(existsSync(path.join(dir.path, "data"))).toBe(false);
  });

  it("starts with every secret read from a _FILE, and needs NETBOX_SECRET_KEY once a NetBox connection exists", async () => {
    const files = secretFiles({
      DATABASE_URL: db.url,
      AUTH_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
      ACCOUNTING_SIGNING_KEY_SECRET: SIGNING_SECRET,
    });
    const port = await freePort();
    const proc = spawnNode(MAIN, [], { ...base(), ...files, PORT: String(port) });
    try {
      await waitReady(`http://127.0.0.1:${port}`, proc);
    } finally {
      proc.child.kill("SIGTERM");
    }
    expect(await proc.exited).toBe(0);

    const provider = await factories(db.ds).provider();
    await db.ds.query(
      `INSERT INTO netbox_connection (provider_id, url, token_sealed, token_format, token_hint, kinds)
       VALUES ($1, 'https://netbox.invalid', 'v1.x.y.z.w', 'v1', '…abcd', '{site}')`,
      [provider.id],
    );
    const without = await refusal(MAIN, [], { ...base(), ...files });
    expect(without.code).toBe(2);
    expect(without.output).toMatch(/NETBOX_SECRET_KEY\b.*NetBox connection/);

    const withKey = spawnNode(MAIN, [], {
      ...base(),
      ...files,
      ...secretFiles({ NETBOX_SECRET_KEY: NETBOX_KEY }),
      PORT: String(port),
    });
    try {
      await waitReady(`http://127.0.0.1:${port}`, withKey);
    } finally {
      withKey.child.kill("SIGTERM");
    }
    expect(await withKey.exited).toBe(0);
    expect(readdirSync(dir.path).sort()).toEqual(
      ["ACCOUNTING_SIGNING_KEY_SECRET", "AUTH_ENCRYPTION_KEY", "DATABASE_URL", "NETBOX_SECRET_KEY"].sort(),
    );
  });
});
