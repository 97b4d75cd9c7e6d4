import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import * as oidc from "openid-client";
import type { DataSource } from "typeorm";
import { toGlobalId } from "../../src/common/global-id.js";
import { createDataSource } from "../../src/db/data-source.js";
import { createLogger } from "../../src/logger.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import {
  FormBrowser,
  authorizeThroughForms,
  clientCredentialsToken,
  publicClient,
  publicConfig,
  serviceAccount,
  testUser,
} from "../support/oidc.js";
import { type TestServer, gql, startTestServer, withToken } from "../support/server.js";
import { mintAccessToken } from "../support/tokens.js";

const REDIRECT = "http://localhost:5173/callback";
const PROBE = `{ providers(first: 1) { nodes { id } } }`;

/**
 * JWT access tokens cannot be deleted; disabling or deleting an account, resetting a secret or ending a
 * session must still end them, in every replica, within a second.
 */
describe("tokens die with their account, secret or session, in every process", () => {
  let db: TestDatabase;
  let other: DataSource;
  let a: TestServer;
  let b: TestServer;

  beforeAll(async () => {
    db = await createTestDatabase();
    // A second process in all but name: its own pool, its own LISTEN connection, its own caches.
    other = createDataSource({ url: db.url, log: createLogger("silent"), poolSize: 3 });
    await other.initialize();
    a = await startTestServer(db.ds);
    // Replicas behind one public URL: b accepts what a issues.
    b = await startTestServer(other, { PUBLIC_URL: a.url });
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await other?.destroy();
    await db?.drop();
  });

  const works = async (server: TestServer, token: string) => {
    const r = await gql(server, PROBE, {}, withToken(token));
    return r.status === 200;
  };

  /** Milliseconds until both servers refuse the token; fails past 1 s. */
  async function refusedEverywhereWithin(token: string): Promise<number> {
    const start = Date.now();
    for (;;) {
      const [onA, onB] = await Promise.all([works(a, token), works(b, token)]);
      if (!onA && !onB) return Date.now() - start;
      if (Date.now() - start > 1000) throw new Error(`still accepted after 1 s (a: ${onA}, b: ${onB})`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  it("a disabled service account's token is refused at once, also by the other process; re-enabled, a new one works", async () => {
    const sa = await serviceAccount(a, { role: "provider-viewer" });
    const token = await clientCredentialsToken(a, sa);
    expect(await works(a, token)).toBe(true);
    expect(await works(b, token)).toBe(true);
    const off = await gql(a, `mutation($id: String!) { disableClient(id: $id) { id } }`, {
      id: toGlobalId("Client", sa.id),
    });
    expect(off.errors).toBeUndefined();
    expect(await refusedEverywhereWithin(token)).toBeLessThan(1000);
    const res = await gql(b, PROBE, {}, withToken(token));
    expect(res.status).toBe(401);
    expect(res.errors?.[0]?.message).toMatch(/revoked/);
    await gql(a, `mutation($id: String!) { enableClient(id: $id) { id } }`, {
      id: toGlobalId("Client", sa.id),
    });
    expect(await works(b, await clientCredentialsToken(a, sa))).toBe(true);
    expect(await works(b, token)).toBe(false);
  });

  it("a secret reset (no overlap) ends the tokens got with it; a rotation with overlap does not", async () => {
    const sa = await serviceAccount(a, { role: "provider-viewer" });
    const token = await clientCredentialsToken(a, sa);
    const rotate = (overlapSeconds: number) =>
      gql(
        a,
        `mutation($id: String!, $o: Int!) { rotateClientSecret(id: $id, overlapSeconds: $o) { clientSecret } }`,
        {
          id: toGlobalId("Client", sa.id),
          o: overlapSeconds,
        },
      );
    expect((await rotate(3600)).errors).toBeUndefined();
    expect(await works(b, token)).toBe(true);
    expect((await rotate(0)).errors).toBeUndefined();
    expect(await refusedEverywhereWithin(token)).toBeLessThan(1000);
  });

  it("a deleted service account's token is refused everywhere", async () => {
    const sa = await serviceAccount(a, { role: "provider-viewer" });
    const token = await clientCredentialsToken(a, sa);
    expect(await works(b, token)).toBe(true);
    const del = await gql(a, `mutation($id: String!) { deleteClient(id: $id) }`, {
      id: toGlobalId("Client", sa.id),
    });
    expect(del.errors).toBeUndefined();
    expect(await refusedEverywhereWithin(token)).toBeLessThan(1000);
  });

  it("a disabled or deleted person's tokens are refused everywhere", async () => {
    const kept = await testUser(a, { role: "provider-viewer" });
    const gone = await testUser(a, { role: "provider-viewer" });
    const tokenOf = (id: string) => mintAccessToken(db.ds, a.publicUrl, { kind: "user", id });
    const keptToken = await tokenOf(kept.id);
    const goneToken = await tokenOf(gone.id);
    expect(await works(b, keptToken)).toBe(true);
    expect(await works(b, goneToken)).toBe(true);
    const off = await gql(a, `mutation($id: String!) { disableUser(id: $id) { id } }`, {
      id: toGlobalId("User", kept.id),
    });
    expect(off.errors).toBeUndefined();
    expect(await refusedEverywhereWithin(keptToken)).toBeLessThan(1000);
    const del = await gql(a, `mutation($id: String!) { deleteUser(id: $id) }`, {
      id: toGlobalId("User", gone.id),
    });
    expect(del.errors).toBeUndefined();
    expect(await refusedEverywhereWithin(goneToken)).toBeLessThan(1000);
  });

  it("a revoked session ends the access tokens it gave out, and only those", async () => {
    const clientId = (await publicClient(a, [REDIRECT])).clientId;
    const config = await publicConfig(a, clientId);
    const person = await testUser(a, { role: "provider-viewer" });
    const signIn = async () => {
      const browser = await FormBrowser.open();
      try {
        const r = await authorizeThroughForms(browser, config, {
          redirectUri: REDIRECT,
          email: person.email,
          password: person.password,
        });
        if (!r.callback) throw new Error("no redirect back");
        const tokens = await oidc.authorizationCodeGrant(config, r.callback, {
          pkceCodeVerifier: r.verifier,
          expectedState: r.state,
        });
        return tokens.access_token;
      } finally {
        await browser.close();
      }
    };
    const first = await signIn();
    const second = await signIn();
    expect(await works(b, first)).toBe(true);
    const sessions = await gql(a, `query($u: String!) { userSessions(userId: $u) { id signedInAt } }`, {
      u: toGlobalId("User", person.id),
    });
    const ids = (sessions.data!.userSessions as { id: string; signedInAt: string }[]).map((s) => s.id);
    expect(ids).toHaveLength(2);
    // Newest first: the second sign-in's session is the first listed.
    const revoked = await gql(a, `mutation($id: String!) { revokeSession(id: $id) }`, { id: ids[1] });
    expect(revoked.data!.revokeSession).toBe(true);
    expect(await refusedEverywhereWithin(first)).toBeLessThan(1000);
    expect(await works(b, second)).toBe(true);
    expect(await works(a, second)).toBe(true);
  });
});
