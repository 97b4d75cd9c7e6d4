import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir, userInfo } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { verifyPassword } from "../../src/authn/accounts/passwords.js";
import { secretDigest } from "../../src/authn/clients/client-secrets.js";
import { fromGlobalId } from "../../src/common/global-id.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { CLI, runCli } from "../support/processes.js";
import { TEST_ENCRYPTION_KEY } from "../support/tokens.js";
import { authnSecretBox } from "../../src/authn/keys/secret-box.js";

const CLI_INITIATOR = (command: string) => ({
  kind: "system",
  id: null,
  name: `${userInfo().username}@${hostname()}`,
  ip: null,
  userAgent: `fedicentral-cli (${command})`,
});

/** The first administrator on an empty database, from the command line. */
describe("fedicentral provider|operator|user|client|keys (command line)", () => {
  let db: TestDatabase;
  let dir: string;

  const run = (args: string[], opts: { input?: string; env?: Record<string, string> } = {}) =>
    runCli(args, { DATABASE_URL: db.url, AUTH_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, ...opts.env }, opts.input);
  const json = async (args: string[], opts: { input?: string } = {}) => {
    const res = await run([...args, "--json"], opts);
    if (res.code !== 0) throw new Error(`${args.join(" ")}: ${res.code} ${res.stderr}`);
    return JSON.parse(res.stdout);
  };

  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
    db = await createTestDatabase();
    // An empty database: the commands migrate it themselves.
    await db.ds.query(`DROP SCHEMA public CASCADE; CREATE SCHEMA public`);
    dir = mkdtempSync(path.join(tmpdir(), "fedicentral-cli-"));
  });
  afterAll(async () => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    await db?.drop();
  });

  it("creates a provider, an operator, the first admin and service accounts, with --json output", async () => {
    const provider = await json(["provider", "create", "--name", "Demo Hosting", "--slug", "demo"]);
    expect(provider).toEqual({ id: expect.any(String), slug: "demo" });
    const operator = await json([
      "operator",
      "create",
      "--provider",
      "demo",
      "--name",
      "Fedi Club",
      "--slug",
      "fedi-club",
      "--email",
      "admin@fediclub.example",
      "--dns-zone",
      "fediclub.example",
    ]);
    expect(operator.slug).toBe("fedi-club");

    const passwordFile = path.join(dir, "password");
    writeFileSync(passwordFile, "a long enough password\n");
    const admin = await json([
      "user",
      "create",
      "--email",
      "Admin@Demo.Example",
      "--name",
      "First Admin",
      "--password-file",
      passwordFile,
      "--role",
      "platform-admin",
    ]);
    expect(admin).toMatchObject({
      email: "admin@demo.example",
      role: "platform-admin",
      domain: "installation",
    });
    // The user and the grant: one command, so one request id, and the OS user who ran it.
    const adminEvents = await db.ds.query(
      `SELECT action, request_id, initiator FROM accounting_event
        WHERE target_id IN ($1, $2) ORDER BY id`,
      [fromGlobalId(admin.id)!.id, `user:${fromGlobalId(admin.id)!.id}`],
    );
    expect(adminEvents).toEqual([
      {
        action: "create",
        request_id: expect.stringMatching(/^cli-/),
        initiator: CLI_INITIATOR("user create"),
      },
      { action: "grant", request_id: adminEvents[0].request_id, initiator: CLI_INITIATOR("user create") },
    ]);
    const viaStdin = await json(["user", "create", "--email", "ops@demo.example", "--name", "Ops"], {
      input: "another long password\n",
    });
    const [stored] = await db.ds.query(`SELECT password_hash FROM app_user WHERE email = 'ops@demo.example'`);
    expect(stored.password_hash).toMatch(/^scrypt\$/);
    expect(await verifyPassword("another long password", stored.password_hash)).toBe(true);
    expect(viaStdin.role).toBeNull();

    const sa = await json([
      "client",
      "create",
      "--name",
      "Deployer",
      "--operator",
      "fedi-club",
      "--role",
      "operator-member",
    ]);
    expect(sa).toEqual({
      id: expect.any(String),
      client_id: expect.stringMatching(/^svc-/),
      client_secret: expect.any(String),
    });
    const [row] = await db.ds.query(
      `SELECT secret_digest, role, operator_id FROM oidc_client WHERE client_id = $1`,
      [sa.client_id],
    );
    expect(row).toMatchObject({ secret_digest: secretDigest(sa.client_secret), role: "operator-member" });
    const grants = await db.ds.query(
      `SELECT v1, v2 FROM casbin_rule WHERE ptype = 'g' AND v0 LIKE 'client:%'`,
    );
    expect(grants).toEqual([{ v1: "operator-member", v2: `operator:${row.operator_id}` }]);
    // A provider's service account holds its role for that provider only.
    const staff = await json([
      "client",
      "create",
      "--name",
      "Staff",
      "--provider",
      "demo",
      "--role",
      "provider-admin",
    ]);
    const [{ v2 }] = await db.ds.query(`SELECT v2 FROM casbin_rule WHERE ptype = 'g' AND v0 = $1`, [
      `client:${fromGlobalId(staff.id)!.id}`,
    ]);
    expect(v2).toBe(`provider:${fromGlobalId(provider.id)!.id}`);

    const panel = await json([
      "client",
      "create-public",
      "--name",
      "Panel",
      "--redirect-uri",
      "https://panel.demo.example/callback",
      "--redirect-uri",
      "http://localhost:5173/callback",
    ]);
    expect(panel.client_id).toMatch(/^app-/);

    const plain = await run([
      "client",
      "create",
      "--name",
      "Plain",
      "--provider",
      "demo",
      "--role",
      "provider-viewer",
    ]);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/^id: .+\nclient_id: svc-.+\nclient_secret: .+\n$/);
  });

  it("rotates signing keys: new keys sign, the previous ones stay (encrypted) until they expire", async () => {
    await json(["keys", "rotate"]);
    const before = await json(["keys", "list"]);
    const rotated = await json(["keys", "rotate", "--keep-hours", "2"]);
    expect(rotated.kids).toHaveLength(2);
    expect(rotated.retired.sort()).toEqual(
      before
        .filter((k: { active: boolean }) => k.active)
        .map((k: { kid: string }) => k.kid)
        .sort(),
    );
    const [event] = await db.ds.query(
      `SELECT action, event_type, changes, initiator FROM accounting_event
        WHERE target_kind = 'signing_key' ORDER BY id DESC LIMIT 1`,
    );
    expect(event).toEqual({
      action: "rotate",
      event_type: "control",
      changes: { signingKeys: { before: [...rotated.retired].sort(), after: [...rotated.kids].sort() } },
      initiator: CLI_INITIATOR("keys rotate"),
    });
    const after = await json(["keys", "list"]);
    expect(
      after
        .filter((k: { active: boolean }) => k.active)
        .map((k: { kid: string }) => k.kid)
        .sort(),
    ).toEqual([...rotated.kids].sort());
    const rows = await db.ds.query(`SELECT kid, private_jwk_sealed FROM signing_key`);
    const box = authnSecretBox(TEST_ENCRYPTION_KEY);
    for (const r of rows) {
      expect(r.private_jwk_sealed).not.toContain('"d"');
      expect(JSON.parse(box.open(r.private_jwk_sealed, `signing_key:${r.kid}`).toString()).d).toEqual(
        expect.any(String),
      );
    }
    const wrongKey = await run(["keys", "rotate"], {
      env: { AUTH_ENCRYPTION_KEY: "another-key-that-is-long-enough-to-use-0123" },
    });
    expect(wrongKey.code).not.toBe(0);
  });

  it("refuses bad input with a clear message and a non-zero exit", async () => {
    const cases: [string[], RegExp][] = [
      [
        ["client", "create", "--name", "x", "--role", "operator-admin"],
        /--operator <slug> or --provider <slug>/,
      ],
      [
        ["client", "create", "--name", "x", "--role", "operator-admin", "--operator", "nope"],
        /no operator with slug nope/,
      ],
      [
        ["client", "create", "--name", "x", "--role", "superuser", "--provider", "demo"],
        /unknown role superuser/,
      ],
      [
        [
          "operator",
          "create",
          "--provider",
          "demo",
          "--name",
          "X",
          "--slug",
          "Bad Slug",
          "--email",
          "a@b.example",
          "--dns-zone",
          "x.example",
        ],
        /slug/,
      ],
      [["user", "create", "--email", "not-an-email", "--name", "X"], /email/],
      [["user", "create", "--email", "short@demo.example", "--name", "X"], /at least 10 characters/],
      [["client", "create-public", "--name", "X", "--redirect-uri", "http://panel.example/cb"], /https/],
      [["provider", "create", "--name", "Again", "--slug", "demo"], /exists already/],
    ];
    for (const [args, message] of cases) {
      const res = await run(args, { input: "short\n" });
      expect([args.join(" "), res.code]).toEqual([args.join(" "), 2]);
      expect([args.join(" "), res.stderr]).toEqual([args.join(" "), expect.stringMatching(message)]);
    }
    const wrongDomain = await run(
      ["user", "create", "--email", "lost@demo.example", "--name", "X", "--role", "operator-admin"],
      { input: "a long enough password\n" },
    );
    expect(wrongDomain).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("operator-admin is held per operator, not installation-wide"),
    });
    expect(await db.ds.query(`SELECT 1 FROM app_user WHERE email = 'lost@demo.example'`)).toEqual([]);
    const asJson = await run(["user", "create", "--email", "nope", "--name", "X", "--json"], {
      input: "x\n",
    });
    expect(JSON.parse(asJson.stdout).error.code).toBe("BAD_USER_INPUT");
  });
});
