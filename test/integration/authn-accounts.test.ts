import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import * as oidc from "openid-client";
import { generate } from "otplib";
import { PostgresAdapter, purgeExpired } from "../../src/authn/oidc/adapter.js";
import { fromGlobalId } from "../../src/common/global-id.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import {
  FormBrowser,
  authorizeThroughForms,
  formOf,
  oauthError,
  publicClient,
  publicConfig,
  testUser,
} from "../support/oidc.js";
import { type TestServer, as, gql, startTestServer } from "../support/server.js";

const REDIRECT = "http://localhost:5173/callback";

describe("accounts: administration, TOTP, sessions, shared state", () => {
  let db: TestDatabase;
  let server: TestServer;
  let config: oidc.Configuration;
  let browser: FormBrowser;

  beforeAll(async () => {
    db = await createTestDatabase();
    server = await startTestServer(db.ds);
    config = await publicConfig(server, (await publicClient(server, [REDIRECT])).clientId);
  });
  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });
  beforeEach(async () => {
    browser = await FormBrowser.open();
  });
  afterEach(async () => {
    await browser.close();
  });

  it("manages people through the API: unique emails whatever their case, disable, accounting", async () => {
    const CREATE = `mutation($input: CreateUserInput!) { createUser(input: $input) { id email displayName disabled totpEnabled } }`;
    const created = await gql(server, CREATE, {
      input: {
        email: "Grace.Hopper@Navy.Example",
        displayName: "Grace Hopper",
        password: "cobol-forever-1959",
      },
    });
    expect(created.data!.createUser).toMatchObject({
      email: "grace.hopper@navy.example",
      displayName: "Grace Hopper",
      disabled: false,
      totpEnabled: false,
    });
    const id = created.data!.createUser.id as string;
    const clash = await gql(server, CREATE, {
      input: { email: "GRACE.HOPPER@navy.example", displayName: "Imposter", password: "cobol-forever-1959" },
    });
    expect(clash.errors![0]!.extensions).toMatchObject({ code: "CONFLICT", field: "email" });
    const short = await gql(server, CREATE, {
      input: { email: "x@y.example", displayName: "X", password: "short" },
    });
    expect(short.errors![0]!.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.password" });

    const list = await gql(
      server,
      `{ users(filter: { emailContains: "HOPPER" }) { totalCount nodes { id } } }`,
    );
    expect(list.data!.users).toEqual({ totalCount: 1, nodes: [{ id }] });
    const disabled = await gql(server, `mutation($id: String!) { disableUser(id: $id) { disabled } }`, {
      id,
    });
    expect(disabled.data!.disableUser.disabled).toBe(true);
    const events = await db.ds.query(
      `SELECT action FROM accounting_event WHERE target_kind = 'user' AND target_id = $1 ORDER BY id`,
      [fromGlobalId(id)!.id],
    );
    expect(events.map((e: { action: string }) => e.action)).toEqual(["create", "disable"]);

    const anonymous = await gql(server, `{ users { totalCount } }`, {}, as("anonymous"));
    expect(anonymous.status).toBe(401);
    const nobody = await gql(
      server,
      `{ users { totalCount } }`,
      {},
      as("user:00000000-0000-4000-8000-000000000000"),
    );
    expect(nobody.errors![0]!.extensions!.code).toBe("FORBIDDEN");
  });

  it("manages service accounts and frontend clients; secrets are shown once and stored as digests", async () => {
    const provider = await gql(
      server,
      `mutation { createProvider(input: { name: "Acme", slug: "acme", contactEmail: "ops@acme.example" }) { id } }`,
    );
    const providerId = provider.data!.createProvider.id;
    const made = await gql(
      server,
      `mutation($input: CreateServiceAccountInput!) { createServiceAccount(input: $input) {
         clientSecret client { id clientId kind name role disabled provider { slug } operator { id } } } }`,
      { input: { name: "Backup job", role: "provider-viewer", providerId } },
    );
    const { client, clientSecret } = made.data!.createServiceAccount;
    expect(client).toMatchObject({
      kind: "SERVICE_ACCOUNT",
      role: "provider-viewer",
      provider: { slug: "acme" },
      operator: null,
    });
    expect(clientSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const stored = JSON.stringify(
      await db.ds.query(`SELECT * FROM oidc_client WHERE client_id = $1`, [client.clientId]),
    );
    expect(stored).not.toContain(clientSecret);

    const badRole = await gql(
      server,
      `mutation($input: CreateServiceAccountInput!) { createServiceAccount(input: $input) { clientSecret } }`,
      { input: { name: "x", role: "operator-admin", providerId } },
    );
    expect(badRole.errors![0]!.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.role" });

    const badUri = await gql(
      server,
      `mutation { createPublicClient(input: { name: "Panel", redirectUris: ["http://panel.example/cb"] }) { id } }`,
    );
    expect(badUri.errors![0]!.extensions).toMatchObject({
      code: "BAD_USER_INPUT",
      field: "input.redirectUris[0]",
    });
    const panel = await gql(
      server,
      `mutation { createPublicClient(input: { name: "Panel", redirectUris: ["https://panel.example/cb"] }) { id kind redirectUris } }`,
    );
    expect(panel.data!.createPublicClient).toMatchObject({
      kind: "PUBLIC",
      redirectUris: ["https://panel.example/cb"],
    });

    const rotated = await gql(
      server,
      `mutation($id: String!) { rotateClientSecret(id: $id, overlapSeconds: 60) { clientSecret client { previousSecretExpiresAt } } }`,
      { id: client.id },
    );
    expect(rotated.data!.rotateClientSecret.clientSecret).not.toBe(clientSecret);
    expect(rotated.data!.rotateClientSecret.client.previousSecretExpiresAt).toEqual(expect.any(String));

    const listed = await gql(server, `{ clients(filter: { kind: SERVICE_ACCOUNT }) { nodes { clientId } } }`);
    expect(listed.data!.clients.nodes.map((c: { clientId: string }) => c.clientId)).toContain(
      client.clientId,
    );
    const deleted = await gql(server, `mutation($id: String!) { deleteClient(id: $id) }`, { id: client.id });
    expect(deleted.data!.deleteClient).toBe(client.id);
    expect(
      await db.ds.query(`SELECT 1 FROM casbin_rule WHERE v0 LIKE 'client:%' AND v1 = 'provider-viewer'`),
    ).toEqual([]);
  });

  it("asks for a TOTP code after the password once enrolled; codes and recovery codes work once", async () => {
    const user = await testUser(server, { name: "Katherine Johnson" });
    const as_ = as(`user:${user.id}`);
    const begun = await gql(server, `mutation { beginTotpEnrolment { secret uri } }`, {}, as_);
    const { secret, uri } = begun.data!.beginTotpEnrolment;
    expect(uri).toMatch(/^otpauth:\/\/totp\/fedicentral:/);
    const wrong = await gql(
      server,
      `mutation($c: String!) { confirmTotpEnrolment(code: $c) }`,
      { c: "000000" },
      as_,
    );
    expect(wrong.errors![0]!.extensions!.code).toBe("BAD_USER_INPUT");
    const confirmed = await gql(
      server,
      `mutation($c: String!) { confirmTotpEnrolment(code: $c) }`,
      { c: await generate({ secret }) },
      as_,
    );
    const recovery = confirmed.data!.confirmTotpEnrolment as string[];
    expect(recovery).toHaveLength(10);
    expect((await gql(server, `{ me { totpEnabled } }`, {}, as_)).data!.me.totpEnabled).toBe(true);

    const second = async (code: string) => {
      const r = await authorizeThroughForms(browser, config, {
        redirectUri: REDIRECT,
        email: user.email,
        password: user.password,
      });
      expect(r.html).toContain("Verification code");
      const { csrf, actions } = formOf(r.html!);
      const action = new URL(
        actions.find((a) => a.endsWith("/second-factor"))!,
        server.url,
      ).href;
      return browser.post(action, { csrf, code });
    };
    expect((await second("123456")).status()).toBe(401);
    // The step used to confirm enrolment is spent: the next one (the app shows it in ≤ 30 s) works.
    const next = await generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 });
    const ok = await second(next);
    expect(ok.status()).toBe(303);
    await browser.close();
    browser = await FormBrowser.open();
    expect((await second(next)).status()).toBe(401);

    await browser.close();
    browser = await FormBrowser.open();
    expect((await second(recovery[0]!)).status()).toBe(303);
    await browser.close();
    browser = await FormBrowser.open();
    expect((await second(recovery[0]!)).status()).toBe(401);
  });

  it("lists a person's sessions and revokes them, refresh tokens included", async () => {
    const user = await testUser(server);
    const r = await authorizeThroughForms(browser, config, {
      redirectUri: REDIRECT,
      email: user.email,
      password: user.password,
    });
    const tokens = await oidc.authorizationCodeGrant(config, r.callback!, {
      pkceCodeVerifier: r.verifier,
      expectedState: r.state,
    });
    const uid = Buffer.from(`User:${user.id}`).toString("base64url");
    const sessions = await gql(server, `query($u: String!) { userSessions(userId: $u) { id clientIds } }`, {
      u: uid,
    });
    expect(sessions.data!.userSessions).toHaveLength(1);
    const revoked = await gql(server, `mutation($id: String!) { revokeSession(id: $id) }`, {
      id: sessions.data!.userSessions[0].id,
    });
    expect(revoked.data!.revokeSession).toBe(true);
    expect(await oauthError(oidc.refreshTokenGrant(config, tokens.refresh_token!))).toBe("invalid_grant");
    expect(
      (await gql(server, `query($u: String!) { userSessions(userId: $u) { id } }`, { u: uid })).data!
        .userSessions,
    ).toEqual([]);
  });

  it("never returns expired provider rows, and purges them", async () => {
    await db.ds.query(
      `INSERT INTO oidc_payload (kind, id, payload, expires_at) VALUES
         ('Session', 'gone', '{"accountId": "x"}', now() - interval '1 second'),
         ('Session', 'live', '{"accountId": "x"}', now() + interval '1 hour')`,
    );
    const adapter = new PostgresAdapter(db.ds, "Session");
    expect(await adapter.find("gone")).toBeUndefined();
    expect(await adapter.find("live")).toEqual({ accountId: "x" });
    expect(await purgeExpired(db.ds)).toBeGreaterThanOrEqual(1);
    const left = await db.ds.query(`SELECT id FROM oidc_payload WHERE id IN ('gone', 'live')`);
    expect(left).toEqual([{ id: "live" }]);
  });

  // A second server on the same database is what a restart or another replica sees: only PostgreSQL.
  it("shares sessions between two server processes (and so across restarts)", async () => {
    const user = await testUser(server);
    await authorizeThroughForms(browser, config, {
      redirectUri: REDIRECT,
      email: user.email,
      password: user.password,
    });
    const other = await startTestServer(db.ds);
    try {
      const otherConfig = await publicConfig(other, config.clientMetadata().client_id);
      // The same browser (its session cookie) at the other process: no password asked.
      const r = await authorizeThroughForms(browser, otherConfig, {
        redirectUri: REDIRECT,
        email: user.email,
        password: "not needed",
      });
      expect(r.callback?.searchParams.get("code")).toEqual(expect.any(String));
      const tokens = await oidc.authorizationCodeGrant(otherConfig, r.callback!, {
        pkceCodeVerifier: r.verifier,
        expectedState: r.state,
      });
      expect(tokens.claims()!.sub).toBe(user.id);
    } finally {
      await other.stop();
    }
  });
});
