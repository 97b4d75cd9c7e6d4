// A restore end to end between real processes: the built server, a `fedicentral worker` over the fake
// nixops4 (evaluating the Nix library on the restore run's deployment.json where Nix is available), a
// backup agent's report, an operator admin's request and a provider admin's approval, each with a
// client-credentials token of a service account made with the command line.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { fromGlobalId } from "../../src/common/global-id.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { NIXPKGS_LIB, nixMissing } from "../support/nix.js";
import { pollUntil } from "../support/poll.js";
import { CLI, MAIN, type Proc, freePort, spawnNode, waitReady } from "../support/processes.js";
import { FAKE_NIXOPS4 } from "../support/runs.js";
import { useTempDir } from "../support/temp-dir.js";
import { TEST_ENCRYPTION_KEY } from "../support/tokens.js";
import { tokenFrom, graphqlAt } from "../support/remote.js";

const VOLUME = "tank/fedi-club/production/pixelfed";
const missing = nixMissing();
if (missing) console.warn(`the restore run's Nix evaluation is not checked: ${missing}`);

describe("a restore between the server, a worker process and the fake nixops4", () => {
  const dir = useTempDir("fedi-restore-e2e-");
  const record = () => path.join(dir.path, "record.jsonl");
  let db: TestDatabase;
  const procs: Proc[] = [];
  let base: string;
  const tokens: Record<"staff" | "agent" | "clubAdmin" | "wikiAdmin", string> = {} as never;

  const cli = async (env: Record<string, string>, ...args: string[]) => {
    const { stdout } = await promisify(execFile)(process.execPath, [CLI, ...args, "--json"], {
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", LOG_LEVEL: "silent", ...env },
    });
    return JSON.parse(stdout);
  };
  const tokenOf = (made: { client_id: string; client_secret: string }) =>
    tokenFrom(base, { id: made.client_id, secret: made.client_secret });
  const ask = (token: string, query: string, variables: object = {}) =>
    graphqlAt(base)(token, query, variables);
  const output = () => procs.map((p) => p.output()).join("\n");

  beforeAll(async () => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build first`);
    db = await createTestDatabase();
    const env = { DATABASE_URL: db.url, AUTH_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY };
    await cli(env, "provider", "create", "--name", "Demo Hosting", "--slug", "demo");
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    // The server runs no runs: the worker process does.
    const server = spawnNode(MAIN, [], {
      ...env,
      PORT: String(port),
      PUBLIC_URL: base,
      SEED_DEMO: "true",
      RUN_CONCURRENCY: "0",
    });
    procs.push(server);
    await waitReady(base, server);
    const client = (role: string, ...scope: string[]) =>
      cli(env, "client", "create", "--name", role, "--provider", "demo", "--role", role, ...scope);
    tokens.staff = await tokenOf(await client("provider-admin"));
    tokens.agent = await tokenOf(await client("backup-agent"));
    tokens.clubAdmin = await tokenOf(await client("operator-admin", "--operator", "fedi-club"));
    tokens.wikiAdmin = await tokenOf(await client("operator-admin", "--operator", "uni-wiki"));
    procs.push(
      spawnNode(CLI, ["worker"], {
        DATABASE_URL: db.url,
        LOG_LEVEL: "info",
        DB_POOL_SIZE: "4",
        RUN_CONCURRENCY: "1",
        NIXOPS4_BIN: FAKE_NIXOPS4,
        DEPLOYMENTS_DIR: dir.path,
        FAKE_NIXOPS4_RECORD: record(),
        ...(missing
          ? { NIXOPS4_PASS_ENV: "FAKE_NIXOPS4_RECORD" }
          : { NIXOPS4_PASS_ENV: "FAKE_NIXOPS4_RECORD,NIXPKGS_LIB", NIXPKGS_LIB }),
      }),
    );
  });
  afterAll(async () => {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill("SIGTERM");
    await Promise.all(procs.map((p) => p.exited));
    await db?.drop();
  });

  it("restores a reported snapshot: requested, approved, run by the worker, recorded and accounted; another operator sees none of it", async () => {
    const providerId = (await ask(tokens.staff, `{ provider(slug: "demo") { id } }`)).data!.provider.id;
    const volumes = (
      await ask(tokens.agent, `query($p: ID!) { backupVolumes(providerId: $p) { id name } }`, {
        p: providerId,
      })
    ).data!.backupVolumes as { id: string; name: string }[];
    const volume = volumes.find((v) => v.name === VOLUME)!;
    expect(volume).toBeDefined();
    // The operator's admin sees the volume's service (the agent sees volumes only).
    const serviceId = (
      await ask(
        tokens.clubAdmin,
        `query($v: ID!) { node(id: $v) { ... on BackupVolume { service { id } } } }`,
        {
          v: volume.id,
        },
      )
    ).data!.node.service.id as string;
    const takenAt = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000).toISOString();
    const reported = await ask(
      tokens.agent,
      `mutation($v: [VolumeReportInput!]!) { reportBackupSnapshots(volumes: $v) { applied } }`,
      {
        v: [
          {
            volumeId: volume.id,
            snapshots: [{ guid: "7001", name: "autosnap_hourly", takenAt, sizeBytes: 1 << 30 }],
            replicas: [],
          },
        ],
      },
    );
    expect(reported).toEqual({ data: { reportBackupSnapshots: { applied: 1 } } });

    const requested = await ask(
      tokens.clubAdmin,
      `mutation($i: RequestRestoreInput!) { requestRestore(input: $i) { id state run { id } } }`,
      {
        i: {
          serviceId: serviceId,
          snapshotGuid: "7001",
          note: "bad upgrade",
          idempotencyKey: "e2e-1",
        },
      },
    );
    expect(requested.errors).toBeUndefined();
    const restore = requested.data!.requestRestore as { id: string; state: string; run: null };
    expect(restore).toMatchObject({ state: "REQUESTED", run: null });

    const approved = await ask(
      tokens.staff,
      `mutation($id: ID!) { approveRestore(id: $id) { state run { id action } } }`,
      { id: restore.id },
    );
    expect(approved.errors).toBeUndefined();
    expect(approved.data!.approveRestore).toMatchObject({ state: "APPROVED", run: { action: "RESTORE" } });
    const runId = approved.data!.approveRestore.run.id as string;

    const READ = `query($id: ID!) { backupRestore(id: $id) { state run { id action state log { text } } } }`;
    const done = await pollUntil(
      async () => (await ask(tokens.clubAdmin, READ, { id: restore.id })).data!.backupRestore,
      (r) => ["SUCCEEDED", "FAILED", "ERRORED", "CANCELED"].includes(r.run.state),
      { what: "the restore run to end", timeoutMs: 60_000 },
    ).catch((e: Error) => {
      throw new Error(`${e.message}\n${output()}`);
    });
    expect(done.run).toMatchObject({ id: runId, action: "RESTORE", state: "SUCCEEDED" });
    expect(done.run.log.text).toContain(`restoring block:${VOLUME} of ${serviceId} to autosnap_hourly`);

    // The fake nixops4 was handed the restore target in deployment.json.
    const starts = (await readFile(record(), "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l))
      .filter((l) => l.event === "start" && l.restore);
    expect(starts.map((l) => l.restore)).toEqual([
      {
        restoreId: restore.id,
        service: serviceId,
        volume: { id: volume.id, kind: "block", name: VOLUME, host: null },
        snapshot: { guid: "7001", name: "autosnap_hourly", takenAt },
      },
    ]);
    const runUuid = fromGlobalId(runId)!.id;
    if (!missing) {
      // The Nix library rendered it into the pixelfed block-storage resource's inputs.
      const evaluated = JSON.parse(
        await readFile(path.join(dir.path, "runs", runUuid, "evaluated.json"), "utf8"),
      );
      expect(evaluated.resources.pixelfed["block-storage"].inputs.restoreFrom).toMatchObject({
        volume: VOLUME,
        snapshot: "7001",
        name: "autosnap_hourly",
        takenAt,
      });
    }

    const events = async (targetId: string) =>
      (
        await db.ds.query(
          `SELECT target_kind || '.' || action || ':' || outcome AS e FROM accounting_event
            WHERE target_id = $1 ORDER BY occurred_at, id`,
          [targetId],
        )
      ).map((r: { e: string }) => r.e);
    expect(await events(fromGlobalId(restore.id)!.id)).toEqual([
      "backup-restore.create:success",
      "backup-restore.approve:success",
    ]);
    expect(await events(runUuid)).toEqual(["run.restore:pending", "run.restore:success"]);

    // Another operator's admin: the restore and its run look missing, and its list is empty.
    const foreign = await ask(
      tokens.wikiAdmin,
      `query($id: ID!, $run: ID!) { backupRestore(id: $id) { id } run(id: $run) { id }
         backupRestores(first: 10) { totalCount } }`,
      { id: restore.id, run: runId },
    );
    expect(foreign.data).toEqual({ backupRestore: null, run: null, backupRestores: { totalCount: 0 } });
  });
});
