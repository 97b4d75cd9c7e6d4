// `fedicentral netbox sync` as a person runs it: the built CLI in its own process, against the fake NetBox.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { makeV1Token, startFakeNetbox, type FakeNetbox } from "../fakes/netbox/index.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { factories } from "../support/factories.js";
import { TEST_SECRET_KEY, connectFake, expectMirrorEqualsFake } from "../support/netbox.js";

const CLI = "dist/src/cli/main.js";
const TOKEN = makeV1Token();

type Result = { code: number | null; stdout: string; stderr: string };

function run(args: string[], env: Record<string, string>, viaTerminal = false): Promise<Result> {
  const base = {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "/tmp",
    LOG_LEVEL: "silent",
    ...env,
  };
  // `script` gives the CLI a pseudo-terminal, as an interactive shell would.
  const [cmd, argv] = viaTerminal
    ? ["script", ["-qefc", [process.execPath, CLI, ...args].join(" "), "/dev/null"]]
    : [process.execPath, [CLI, ...args]];
  return new Promise((resolve) => {
    const child = spawn(cmd, argv as string[], {
      env: { ...base, COLUMNS: "120" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("fedicentral netbox sync", () => {
  let db: TestDatabase;
  let nb: FakeNetbox;
  let provider: { id: string; slug: string };
  let env: Record<string, string>;

  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
    db = await createTestDatabase();
    nb = await startFakeNetbox({ tokens: [TOKEN], maxPageSize: 10 });
    provider = await factories(db.ds).provider();
    await connectFake(db.ds, provider.id, nb, TOKEN);
    env = {
      DATABASE_URL: db.url,
      NETBOX_SECRET_KEY: TEST_SECRET_KEY,
      NETBOX_RETRIES: "1",
      NETBOX_BACKOFF_MS: "5",
    };
  });
  afterAll(async () => {
    await nb?.stop();
    await db?.drop();
  });

  it("syncs, and tells how it went (one line per step when not on a terminal)", async () => {
    const full = await run(["netbox", "sync", "--provider", provider.slug, "--mode", "full"], env);
    expect(full.stderr).toContain("listing devices (12)");
    expect(full.stdout).toMatch(
      /^full sync succeeded: \d+ created, 0 updated, 0 deleted, 0 unchanged, 0 skipped/m,
    );
    expect(full.code).toBe(0);
    await expectMirrorEqualsFake(db.ds, provider.id, nb, TOKEN);

    nb.update("devices", 1, { status: "offline" });
    const inc = await run(["netbox", "sync", "-p", provider.slug], env);
    expect(inc.stdout).toMatch(/^incremental sync succeeded: 0 created, 1 updated, 0 deleted/m);
    expect(inc.code).toBe(0);
  });

  it("draws a progress bar on a terminal", async () => {
    const res = await run(["netbox", "sync", "--provider", provider.slug, "--mode", "full"], env, true);
    const screen = res.stdout + res.stderr;
    expect(screen).toMatch(/interfaces \[[█░]+\] 48\/48 \| pages \d+/);
    expect(screen).toContain("full sync succeeded");
    expect(res.code).toBe(0);
  });

  it("exits 1 with the reason when the sync fails", async () => {
    nb.faults.status(503, { path: "/api/dcim/racks/" });
    try {
      const res = await run(["netbox", "sync", "--provider", provider.slug, "--mode", "full"], env);
      expect(res.stderr).toMatch(/sync failed: racks: NetBox HTTP 503 \(gave up after 2 attempts\)/);
      expect(res.code).toBe(1);
    } finally {
      nb.faults.clear();
    }
    const none = await run(["netbox", "sync", "--provider", "no-such-provider"], env);
    expect([none.code, none.stderr.trim()]).toEqual([1, "fedicentral: no provider no-such-provider"]);
  });
});
