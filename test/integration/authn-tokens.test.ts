import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createHash, randomUUID } from "node:crypto";
import { SignJWT, calculateJwkThumbprint, exportJWK } from "jose";
import * as oidc from "openid-client";
import { ClientService } from "../../src/authn/clients/client.service.js";
import { SigningKeys } from "../../src/authn/keys/signing-keys.js";
import { toGlobalId } from "../../src/common/global-id.js";
import { systemCaller } from "../../src/common/caller.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import {
  type ServiceAccount,
  clientCredentialsToken,
  confidentialConfig,
  oauthError,
  serviceAccount,
} from "../support/oidc.js";
import { type TestServer, gql, startTestServer, withToken } from "../support/server.js";
import { TEST_ENCRYPTION_KEY, mintAccessToken } from "../support/tokens.js";
import { authnSecretBox } from "../../src/authn/keys/secret-box.js";
import { catalogue } from "../../src/modules.js";

const ME = `{ me { kind id name clientId scopes memberships { role domainKind } } }`;

describe("tokens: the provider issues them, /graphql verifies them", () => {
  let db: TestDatabase;
  let server: TestServer;
  let sa: ServiceAccount;

  beforeAll(async () => {
    db = await createTestDatabase();
    server = await startTestServer(db.ds);
    sa = await serviceAccount(server, { name: "Deploy bot" });
  });
  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });

  const post = (body: object, headers: Record<string, string> = {}) =>
    fetch(`${server.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    });

  it("publishes discovery, with PKCE, client credentials, DPoP and the token endpoints", async () => {
    const config = await confidentialConfig(server, sa);
    const meta = config.serverMetadata();
    expect(meta.issuer).toBe(`${server.publicUrl}/oidc`);
    expect(meta.code_challenge_methods_supported).toEqual(["S256"]);
    expect(meta.grant_types_supported).toEqual(
      expect.arrayContaining(["authorization_code", "refresh_token", "client_credentials"]),
    );
    expect(meta.revocation_endpoint).toBe(`${server.publicUrl}/oidc/token/revocation`);
    expect(meta.introspection_endpoint).toBe(`${server.publicUrl}/oidc/token/introspection`);
    expect(meta.end_session_endpoint).toBe(`${server.publicUrl}/oidc/session/end`);
    expect(meta.dpop_signing_alg_values_supported).toEqual(expect.arrayContaining(["ES256"]));
    const jwks = (await (await fetch(meta.jwks_uri!)).json()) as { keys: { alg: string; d?: string }[] };
    expect(jwks.keys.map((k) => k.alg).sort()).toEqual(["ES256", "RS256"]);
    expect(jwks.keys.every((k) => k.d === undefined)).toBe(true);
  });

  it("knows its public https URL behind a TLS-terminating proxy", async () => {
    const behind = await startTestServer(db.ds, { PUBLIC_URL: "https://fedi.example" });
    try {
      const res = await fetch(`${behind.url}/oidc/.well-known/openid-configuration`, {
        headers: { "x-forwarded-proto": "https", "x-forwarded-host": "fedi.example" },
      });
      const meta = (await res.json()) as { issuer: string; token_endpoint: string; jwks_uri: string };
      expect(meta).toMatchObject({
        issuer: "https://fedi.example/oidc",
        token_endpoint: "https://fedi.example/oidc/token",
        jwks_uri: "https://fedi.example/oidc/jwks",
      });
      // Tokens for this audience only: the API's public URL.
      const token = await mintAccessToken(db.ds, "https://fedi.example", { kind: "client", id: sa.id });
      expect((await gql(behind, "{ __typename }", {}, withToken(token))).status).toBe(200);
      const local = await mintAccessToken(db.ds, server.publicUrl, { kind: "client", id: sa.id });
      expect((await gql(behind, "{ __typename }", {}, withToken(local))).status).toBe(401);
    } finally {
      await behind.stop();
    }
  });

  it("answers anonymous requests with __typename only; everything else is 401 UNAUTHENTICATED", async () => {
    const open = await post({ query: "{ __typename }" });
    expect(open.status).toBe(200);
    expect(await open.json()).toEqual({ data: { __typename: "Query" } });

    for (const query of [
      "{ operators(first: 1) { totalCount } }",
      "{ __typename ...F } fragment F on Query { me { id } }",
      "{ __schema { queryType { name } } }",
      'mutation { deleteUser(id: "x") }',
    ]) {
      const res = await post({ query });
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer realm="fedicentral", DPoP /);
      const body = (await res.json()) as { data?: unknown; errors: { extensions: { code: string } }[] };
      expect(body.errors.map((e) => e.extensions.code)).toEqual(["UNAUTHENTICATED"]);
      expect(body.data).toBeUndefined();
    }
  });

  it("issues client-credentials JWTs to service accounts, accounted; /graphql knows who calls", async () => {
    const before = await issuances();
    const token = await clientCredentialsToken(server, sa);
    const [header, payload] = token
      .split(".")
      .slice(0, 2)
      .map((p) => JSON.parse(Buffer.from(p, "base64url").toString()));
    expect(header).toMatchObject({ alg: "ES256", typ: "at+jwt" });
    expect(payload).toMatchObject({
      aud: `${server.publicUrl}/graphql`,
      scope: "api",
      client_id: sa.clientId,
    });
    expect(payload.exp - payload.iat).toBe(300);
    expect(await issuances()).toBe(before + 1);

    const res = await gql(server, ME, {}, withToken(token));
    expect(res.status).toBe(200);
    expect(res.data!.me).toEqual({
      kind: "SERVICE_ACCOUNT",
      id: toGlobalId("Client", sa.id),
      name: "Deploy bot",
      clientId: sa.clientId,
      scopes: ["api"],
      memberships: [{ role: "provider-admin", domainKind: "PROVIDER" }],
    });
  });

  it("refuses a wrong client secret and a disabled client, issuing nothing", async () => {
    const before = await issuances();
    expect(
      await oauthError(clientCredentialsToken(server, { ...sa, clientSecret: `${sa.clientSecret}x` })),
    ).toBe("invalid_client");
    const other = await serviceAccount(server, { name: "Soon disabled" });
    await new ClientService(db.ds, catalogue).setDisabled(
      systemCaller(),
      toGlobalId("Client", other.id),
      true,
    );
    expect(await oauthError(clientCredentialsToken(server, other))).toBe("invalid_client");
    expect(await issuances()).toBe(before);
  });

  it("rotates a secret with an overlap window, and without one", async () => {
    const own = await serviceAccount(server, { name: "Rotated" });
    const clients = new ClientService(db.ds, catalogue);
    const rotated = await clients.rotateSecret(systemCaller(), toGlobalId("Client", own.id), 3600);
    expect(rotated.clientSecret).not.toBe(own.clientSecret);
    await expect(clientCredentialsToken(server, own)).resolves.toEqual(expect.any(String));
    await expect(
      clientCredentialsToken(server, { ...own, clientSecret: rotated.clientSecret }),
    ).resolves.toEqual(expect.any(String));
    const again = await clients.rotateSecret(systemCaller(), toGlobalId("Client", own.id), 0);
    // Servers cache clients and hear of the change by NOTIFY: within milliseconds, not at once.
    await eventually(async () =>
      (await oauthError(clientCredentialsToken(server, { ...own, clientSecret: rotated.clientSecret })).catch(
        () => null,
      )) === "invalid_client"
        ? true
        : null,
    );
    await expect(
      clientCredentialsToken(server, { ...own, clientSecret: again.clientSecret }),
    ).resolves.toEqual(expect.any(String));
    const [row] = await db.ds.query(`SELECT secret_digest FROM oidc_client WHERE id = $1`, [own.id]);
    expect(row.secret_digest).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain(again.clientSecret);
  });

  it("refuses tokens for another audience, expired, tampered with, malformed, or without the API scope", async () => {
    const mint = (o: Partial<Parameters<typeof mintAccessToken>[2]>) =>
      mintAccessToken(db.ds, server.publicUrl, { kind: "client", id: sa.id, ...o });
    const good = await mint({});
    expect((await gql(server, "{ __typename }", {}, withToken(good))).status).toBe(200);

    const cases: [string, string, number, RegExp][] = [
      ["another audience", await mint({ audience: "https://elsewhere.example/api" }), 401, /aud/],
      ["another issuer", await mint({ issuer: "https://evil.example/oidc" }), 401, /iss/],
      ["expired", await mint({ expiresIn: -60 }), 401, /expired/],
      ["tampered", tamper(good), 401, /signature/],
      ["not a JWT", "abc.def", 401, /malformed|invalid/],
      ["no API scope", await mint({ scope: "openid" }), 403, /scope/],
    ];
    for (const [what, token, status, message] of cases) {
      const res = await post({ query: "{ __typename }" }, { authorization: `Bearer ${token}` });
      expect([what, res.status]).toEqual([what, status]);
      const challenge = res.headers.get("www-authenticate") ?? "";
      expect(challenge).toContain(status === 403 ? 'error="insufficient_scope"' : 'error="invalid_token"');
      const body = (await res.json()) as { errors: { message: string; extensions: { code: string } }[] };
      expect(body.errors[0]!.extensions.code).toBe(status === 403 ? "FORBIDDEN" : "UNAUTHENTICATED");
      expect([what, body.errors[0]!.message]).toEqual([what, expect.stringMatching(message)]);
    }
    const malformed = await post({ query: "{ __typename }" }, { authorization: "Basic abc" });
    expect(malformed.status).toBe(400);
  });

  it("refuses tokens of a removed key at once, and keeps verifying retired ones until they expire", async () => {
    const keys = new SigningKeys(db.ds, authnSecretBox(TEST_ENCRYPTION_KEY));
    const oldToken = await clientCredentialsToken(server, sa);
    const oldKid = JSON.parse(Buffer.from(oldToken.split(".")[0]!, "base64url").toString()).kid as string;
    await keys.rotate(systemCaller(), 3600);
    // The server hears of the rotation (NOTIFY) and signs with the new key.
    const newToken = await eventually(async () => {
      const t = await clientCredentialsToken(server, sa);
      return JSON.parse(Buffer.from(t.split(".")[0]!, "base64url").toString()).kid !== oldKid ? t : null;
    });
    expect((await gql(server, "{ __typename }", {}, withToken(oldToken))).status).toBe(200);
    expect((await gql(server, "{ __typename }", {}, withToken(newToken))).status).toBe(200);

    expect(await keys.remove(systemCaller(), oldKid)).toBe(true);
    expect(await keys.remove(systemCaller(), oldKid)).toBe(false);
    const removals = await db.ds.query(
      `SELECT event_type, changes FROM accounting_event WHERE target_kind = 'signing_key' AND action = 'delete'`,
    );
    expect(removals).toEqual([
      { event_type: "control", changes: { signingKeys: { before: [oldKid], after: [] } } },
    ]);
    await eventually(async () =>
      (await gql(server, "{ __typename }", {}, withToken(oldToken))).status === 401 ? true : null,
    );
    expect((await gql(server, "{ __typename }", {}, withToken(newToken))).status).toBe(200);
    const jwks = (await (await fetch(`${server.publicUrl}/oidc/jwks`)).json()) as { keys: { kid: string }[] };
    expect(jwks.keys.map((k) => k.kid)).not.toContain(oldKid);

    // Removing the key that signs now: a new one of its algorithm takes over in the same transaction.
    const newKid = JSON.parse(Buffer.from(newToken.split(".")[0]!, "base64url").toString()).kid as string;
    expect(await keys.remove(systemCaller(), newKid)).toBe(true);
    const active = (await keys.published()).filter((k) => k.active);
    expect(active.map((k) => k.alg).sort()).toEqual(["ES256", "RS256"]);
    expect(active.map((k) => k.kid)).not.toContain(newKid);
    const [replaced] = await db.ds.query(
      `SELECT target_id, changes FROM accounting_event WHERE target_kind = 'signing_key' AND action = 'delete' ORDER BY id DESC LIMIT 1`,
    );
    const replacement = active.find((k) => replaced.changes.signingKeys.after.includes(k.kid));
    expect(replaced.changes.signingKeys).toEqual({ before: [newKid], after: [replacement!.kid] });
    expect(replaced.target_id).toBe(newKid);
    const latest = await eventually(async () => {
      const t = await clientCredentialsToken(server, sa);
      return JSON.parse(Buffer.from(t.split(".")[0]!, "base64url").toString()).kid === replacement!.kid
        ? t
        : null;
    });
    expect((await gql(server, "{ __typename }", {}, withToken(latest))).status).toBe(200);
  });

  it("binds tokens to a DPoP key: proof required, checked, and never accepted twice", async () => {
    const config = await confidentialConfig(server, sa);
    const keyPair = await oidc.randomDPoPKeyPair("ES256");
    const dpop = oidc.getDPoPHandle(config, keyPair);
    const tokens = await oidc.clientCredentialsGrant(config, { scope: "api" }, { DPoP: dpop });
    expect(tokens.token_type.toLowerCase()).toBe("dpop");
    const token = tokens.access_token;
    const jkt = await calculateJwkThumbprint(await exportJWK(keyPair.publicKey));
    const proof = (o: { htu?: string; ath?: string; key?: oidc.CryptoKeyPair } = {}) =>
      dpopProof(o.key ?? keyPair, "POST", o.htu ?? `${server.publicUrl}/graphql`, o.ath ?? athOf(token));

    const first = await proof();
    const ok = await post({ query: ME }, { authorization: `DPoP ${token}`, dpop: first });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { data: { me: { kind: string } } }).data.me.kind).toBe("SERVICE_ACCOUNT");
    expect(JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()).cnf).toEqual({ jkt });

    const refusals: [string, Record<string, string>][] = [
      ["replayed proof", { authorization: `DPoP ${token}`, dpop: first }],
      ["no proof", { authorization: `DPoP ${token}` }],
      ["as a bearer token", { authorization: `Bearer ${token}`, dpop: await proof() }],
      [
        "proof for another URL",
        { authorization: `DPoP ${token}`, dpop: await proof({ htu: "https://x.example/graphql" }) },
      ],
      [
        "proof for another token",
        { authorization: `DPoP ${token}`, dpop: await proof({ ath: athOf("other") }) },
      ],
      [
        "proof by another key",
        { authorization: `DPoP ${token}`, dpop: await proof({ key: await oidc.randomDPoPKeyPair("ES256") }) },
      ],
    ];
    for (const [what, headers] of refusals) {
      const res = await post({ query: "{ __typename }" }, headers);
      expect([what, res.status]).toEqual([what, 401]);
      expect([what, res.headers.get("www-authenticate")]).toEqual([what, expect.stringMatching(/^DPoP /)]);
    }

    // The token endpoint refuses a replayed proof too (remembered in PostgreSQL, atomically).
    const tokenEndpoint = `${server.publicUrl}/oidc/token`;
    const once = await dpopProof(keyPair, "POST", tokenEndpoint, "");
    const ask = () =>
      fetch(tokenEndpoint, {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          authorization: `Basic ${Buffer.from(`${sa.clientId}:${sa.clientSecret}`).toString("base64")}`,
          dpop: once,
        },
        body: "grant_type=client_credentials&scope=api",
      });
    const [a, b] = await Promise.all([ask(), ask()]);
    expect([a.status, b.status].sort()).toEqual([200, 400]);
    // oidc-provider answers a replay at the token endpoint as invalid_grant (its description stays in the logs).
    expect(((await (a.status === 400 ? a : b).json()) as { error: string }).error).toBe("invalid_grant");
  });

  async function issuances(): Promise<number> {
    const [r] = await db.ds.query(
      `SELECT count(*)::int AS n FROM accounting_event WHERE action = 'issue' AND target_kind = 'token'`,
    );
    return r.n;
  }
});

function tamper(token: string): string {
  const [h, p, s] = token.split(".");
  const sig = Buffer.from(s!, "base64url");
  sig[10] = sig[10]! ^ 0xff;
  return `${h}.${p}.${sig.toString("base64url")}`;
}

function athOf(token: string): string {
  return createHash("sha256").update(token).digest("base64url");
}

async function dpopProof(key: oidc.CryptoKeyPair, htm: string, htu: string, ath: string): Promise<string> {
  return new SignJWT({ htm, htu, ath })
    .setProtectedHeader({ alg: "ES256", typ: "dpop+jwt", jwk: await exportJWK(key.publicKey) })
    .setIssuedAt()
    .setJti(randomUUID())
    .sign(key.privateKey);
}

async function eventually<T>(probe: () => Promise<T | null>, timeoutMs = 5000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== null) return v;
    if (Date.now() > until) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}
