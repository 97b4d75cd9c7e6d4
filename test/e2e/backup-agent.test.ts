// A backup agent against the built server process, as a provider runs one: a backup-agent service account
// made with the command line, its token from the server's token endpoint (client credentials), its
// reports, the retention plan it prunes by, and the stale backup provider staff then see flagged.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { retentionPlan } from "../../src/backups/retention.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { CLI, MAIN, type Proc, freePort, spawnNode, waitReady } from "../support/processes.js";
import { TEST_ENCRYPTION_KEY } from "../support/tokens.js";
import { tokenFrom, graphqlAt } from "../support/remote.js";

const HOUR = 3_600_000;
// The demo provider's default for every service type (seeds/demo.ts).
const DEMO_KEEP = { last: 3, hourly: 0, daily: 14, weekly: 4, monthly: 6, yearly: 0 };
const STALE_VOLUME = "tank/uni-wiki/production/forgejo";

type Client = { id: string; secret: string };
describe("a backup agent against the server process", () => {
  let db: TestDatabase;
  let proc: Proc;
  let base: string;
  let admin: string;
  let agent: string;
  let providerId: string;

  const cli = async (env: Record<string, string>, ...args: string[]) => {
    const { stdout } = await promisify(execFile)(process.execPath, [CLI, ...args, "--json"], {
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", LOG_LEVEL: "silent", ...env },
    });
    return JSON.parse(stdout);
  };
  const client = async (env: Record<string, string>, role: string): Promise<Client> => {
    const made = await cli(env, "client", "create", "--name", role, "--provider", "demo", "--role", role);
    return { id: made.client_id, secret: made.client_secret };
  };
  const tokenOf = (c: Client) => tokenFrom(base, c);
  const ask = (token: string, query: string, variables: object = {}) =>
    graphqlAt(base)(token, query, variables);

  beforeAll(async () => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build first`);
    db = await createTestDatabase();
    await db.ds.destroy();
    const env = { DATABASE_URL: db.url, AUTH_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY };
    await cli(env, "provider", "create", "--name", "Demo Hosting", "--slug", "demo");
    const [staff, backupAgent] = [await client(env, "provider-admin"), await client(env, "backup-agent")];
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    proc = spawnNode(MAIN, [], { ...env, PORT: String(port), PUBLIC_URL: base, SEED_DEMO: "true" });
    await waitReady(base, proc);
    [admin, agent] = [await tokenOf(staff), await tokenOf(backupAgent)];
    providerId = (await ask(admin, `{ provider(slug: "demo") { id } }`)).data!.provider.id;
  });
  afterAll(async () => {
    if (proc) {
      proc.child.kill("SIGTERM");
      await proc.exited;
    }
    await db?.drop();
  });

  it("finds its volumes, reports their snapshots, prunes by the plan, and the stale one is flagged", async () => {
    const volumes = (
      await ask(agent, `query($p: ID!) { backupVolumes(providerId: $p) { id kind name } }`, {
        p: providerId,
      })
    ).data!.backupVolumes as { id: string; kind: string; name: string }[];
    expect(volumes.map((v) => v.name).sort()).toEqual([
      "tank/fedi-club/production/mastodon",
      "tank/fedi-club/production/pixelfed",
      "tank/fedi-club/staging/mastodon",
      STALE_VOLUME,
    ]);

    // Two days of hourly snapshots per volume; the forgejo dataset's stopped three days ago.
    const hour = Math.floor(Date.now() / HOUR) * HOUR;
    const snapshotsOf = (v: { name: string }) =>
      Array.from({ length: 48 }, (_, k) => {
        const takenAt = hour - (v.name === STALE_VOLUME ? 72 + k : k) * HOUR;
        return { guid: String(takenAt / 1000), name: `autosnap_${takenAt}`, takenAt: new Date(takenAt) };
      });
    const report = volumes.map((v) => {
      const snaps = snapshotsOf(v);
      return {
        volumeId: v.id,
        snapshots: snaps.map((s) => ({ ...s, takenAt: s.takenAt.toISOString(), sizeBytes: 1 << 20 })),
        replicas: [{ target: "vault", state: "in-sync", syncedTo: snaps[0]!.takenAt.toISOString() }],
      };
    });
    const REPORT = `mutation($v: [VolumeReportInput!]!) { reportBackupSnapshots(volumes: $v) { snapshots replicas applied } }`;
    const reported = await ask(agent, REPORT, { v: report });
    expect(reported).toEqual({
      data: { reportBackupSnapshots: { snapshots: 192, replicas: 4, applied: 196 } },
    });
    // Again: idempotent per (volume, GUID), so the plan below still counts 48 snapshots.
    expect((await ask(agent, REPORT, { v: report })).errors).toBeUndefined();

    // The plan is the keep-rules' plan of what was reported, under the provider's default.
    const volume = volumes.find((v) => v.name === "tank/fedi-club/production/pixelfed")!;
    const plan = (
      await ask(
        agent,
        `query($v: ID!) { backupRetentionPlan(volumeId: $v) {
          policy { source keep { last hourly daily weekly monthly yearly } }
          keep { rule snapshot { guid name takenAt } } prune { guid } } }`,
        { v: volume.id },
      )
    ).data!.backupRetentionPlan;
    expect(plan.policy).toEqual({ source: "PROVIDER_DEFAULT", keep: DEMO_KEEP });
    const expected = retentionPlan(snapshotsOf(volume), DEMO_KEEP);
    expect(
      plan.keep.map((k: { rule: string; snapshot: { guid: string } }) => [k.snapshot.guid, k.rule]),
    ).toEqual(expected.keep.map((k) => [k.snapshot.guid, k.rule]));
    expect(plan.prune.map((p: { guid: string }) => p.guid)).toEqual(expected.prune.map((p) => p.guid));
    expect(plan.prune.length).toBeGreaterThan(0);
    expect(plan.keep.length + plan.prune.length).toBe(48);

    // The agent prunes them and says so; they leave the plan.
    const pruned = [
      {
        volumeId: volume.id,
        snapshots: snapshotsOf(volume)
          .filter((s) => plan.prune.some((p: { guid: string }) => p.guid === s.guid))
          .map((s) => ({
            ...s,
            takenAt: s.takenAt.toISOString(),
            sizeBytes: 1 << 20,
            destroyedAt: new Date().toISOString(),
          })),
      },
    ];
    expect((await ask(agent, REPORT, { v: pruned })).errors).toBeUndefined();
    const after = (
      await ask(
        agent,
        `query($v: ID!) { backupRetentionPlan(volumeId: $v) { keep { rule } prune { guid } } }`,
        {
          v: volume.id,
        },
      )
    ).data!.backupRetentionPlan;
    expect(after).toEqual({ keep: expect.any(Array), prune: [] });
    expect(after.keep).toHaveLength(expected.keep.length);

    // Provider staff see the stale backup first, with why; the rest protected.
    const freshness = (
      await ask(admin, `query($p: ID!) { backupFreshness(providerId: $p) { domain status reason } }`, {
        p: providerId,
      })
    ).data!.backupFreshness;
    expect(freshness[0]).toEqual({
      domain: "git.xn--universit-j4a.example",
      status: "STALE",
      reason: "block volume missed its scheduled snapshot",
    });
    expect(freshness.slice(1).map((f: { status: string }) => f.status)).toEqual([
      "PROTECTED",
      "PROTECTED",
      "PROTECTED",
    ]);
  });

  it("lets the agent do nothing else", async () => {
    const codes = await Promise.all(
      [
        `{ operators(first: 1) { totalCount } }`,
        `mutation($p: ID!) { setBackupTarget(input: { providerId: $p, name: "x", kind: S3_REPLICA,
           endpoint: "https://s3.example", location: "b" }) { id } }`,
      ].map(async (q) => (await ask(agent, q, { p: providerId })).errors?.[0]?.extensions?.code),
    );
    expect(codes).toEqual(["FORBIDDEN", "FORBIDDEN"]);
  });
});
