import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import * as oidc from "openid-client";
import { toGlobalId } from "../../src/common/global-id.js";
import { systemCaller } from "../../src/common/caller.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import {
  FormBrowser,
  authorizeThroughForms,
  formOf,
  loginForm,
  oauthError,
  publicClient,
  publicConfig,
  testUser,
  userService,
} from "../support/oidc.js";
import { type TestServer, gql, startTestServer, withToken } from "../support/server.js";

const REDIRECT = "http://localhost:5173/callback";
const AFTER_LOGOUT = "http://localhost:5173/bye";

describe("people sign in: authorization code + PKCE through the login and consent forms", () => {
  let db: TestDatabase;
  let server: TestServer;
  let clientId: string;
  let config: oidc.Configuration;
  let browser: FormBrowser;
  let ada: { id: string; email: string; password: string };

  beforeAll(async () => {
    db = await createTestDatabase();
    server = await startTestServer(db.ds);
    clientId = (await publicClient(server, [REDIRECT], [AFTER_LOGOUT])).clientId;
    config = await publicConfig(server, clientId);
    ada = await testUser(server, { name: "Ada Lovelace" });
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

  const signIn = (o: Partial<Parameters<typeof authorizeThroughForms>[2]> = {}) =>
    authorizeThroughForms(browser, config, {
      redirectUri: REDIRECT,
      email: ada.email,
      password: ada.password,
      ...o,
    });

  async function tokensFor(o: Partial<Parameters<typeof authorizeThroughForms>[2]> = {}) {
    const r = await signIn(o);
    if (!r.callback) throw new Error("no redirect back");
    return oidc.authorizationCodeGrant(config, r.callback, {
      pkceCodeVerifier: r.verifier,
      expectedState: r.state,
    });
  }

  const issued = async () =>
    Number(
      (
        await db.ds.query(
          `SELECT count(*) AS n FROM oidc_payload WHERE kind IN ('AuthorizationCode', 'RefreshToken')`,
        )
      )[0].n,
    );

  it("signs a person in and the client gets tokens that /graphql accepts", async () => {
    const tokens = await tokensFor();
    expect(tokens.token_type.toLowerCase()).toBe("bearer");
    expect(tokens.refresh_token).toEqual(expect.any(String));
    const claims = tokens.claims()!;
    expect(claims).toMatchObject({
      sub: ada.id,
      name: "Ada Lovelace",
      email: ada.email,
      iss: `${server.publicUrl}/oidc`,
    });
    const me = await gql(
      server,
      `{ me { kind id name email clientId scopes } }`,
      {},
      withToken(tokens.access_token),
    );
    expect(me.data!.me).toEqual({
      kind: "USER",
      id: toGlobalId("User", ada.id),
      name: "Ada Lovelace",
      email: ada.email,
      clientId,
      scopes: ["api"],
    });
    const info = await oidc.fetchUserInfo(config, tokens.access_token, ada.id).catch(() => null);
    // The API token is for the API (its audience), not for the userinfo endpoint.
    expect(info).toBeNull();
  });

  it("shows the same message for a wrong password and an unknown email", async () => {
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT,
      scope: "openid api",
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: "S256",
    });
    const first = await browser.follow(await browser.get(url.href), REDIRECT);
    if ("redirect" in first) throw new Error("expected the login page");
    const page = await first.page.text();
    expect(first.page.headers()["content-security-policy"]).toContain("default-src 'none'");
    expect(page).not.toMatch(/<script|https?:\/\/(?!localhost)[a-z]/i);
    const { csrf, actions } = formOf(page);
    const login = new URL(
      actions.find((a) => a.endsWith("/login"))!,
      server.url,
    ).href;
    const wrong = await browser.post(login, { csrf, email: ada.email, password: "not the password" });
    const unknown = await browser.post(login, {
      csrf,
      email: "nobody@people.example",
      password: "not the password",
    });
    expect([wrong.status(), unknown.status()]).toEqual([401, 401]);
    const message = (html: string) => /<p class="error" role="alert">([^<]*)</.exec(html)?.[1];
    expect(message(await wrong.text())).toBe("Wrong email or password.");
    expect(message(await unknown.text())).toBe("Wrong email or password.");

    const forged = await browser.post(login, { csrf: "forged", email: ada.email, password: ada.password });
    expect(forged.status()).toBe(403);
    const crossSite = await browser.post(
      login,
      { csrf, email: ada.email, password: ada.password },
      { origin: "https://evil.example" },
    );
    expect(crossSite.status()).toBe(403);
    await userService(server).throttle.succeeded({
      keys: [`account:${ada.email}`, "ip:127.0.0.1"],
      allowed: true,
    });
  });

  it("issues a refresh token only with prompt=consent, and the consent page says it is a long-lived sign-in", async () => {
    // OpenID Connect: offline_access is ignored unless the request asks for consent.
    const withoutConsent = await tokensFor({ extra: { prompt: "login" } });
    expect(withoutConsent.refresh_token).toBeUndefined();
    expect(withoutConsent.scope?.split(" ")).not.toContain("offline_access");
    const shown = await signIn({ stopAtConsent: true });
    if (!shown.html) throw new Error("expected the consent page");
    expect(shown.html).toMatch(/long-lived sign-in/);
    expect(shown.html).toMatch(/until you sign out or revoke it/);
  });

  it("answers 400 to sign-in fields holding NUL, and never 500 to such a client id", async () => {
    const { csrf, action } = await loginForm(server, config, REDIRECT, browser);
    const nul = await browser.post(action, { csrf, email: `${ada.email}\u0000`, password: "x" });
    expect(nul.status()).toBe(400);
    expect(await nul.text()).toContain("cannot be stored");
    for (const form of <Record<string, string>[]>[
      { grant_type: "client_credentials", client_id: "a\u0000b", client_secret: "x" },
      { grant_type: "refresh_token", refresh_token: "r\u0000", client_id: clientId },
    ]) {
      const token = await fetch(`${server.url}/oidc/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(form).toString(),
      });
      expect(token.status).toBeGreaterThanOrEqual(400);
      expect(token.status).toBeLessThan(500);
    }
  });

  it("rotates refresh tokens; reusing a rotated one revokes the whole grant", async () => {
    const tokens = await tokensFor();
    const second = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect(second.refresh_token).toEqual(expect.any(String));
    expect(second.refresh_token).not.toBe(tokens.refresh_token);
    expect((await gql(server, `{ me { id } }`, {}, withToken(second.access_token))).status).toBe(200);

    expect(await oauthError(oidc.refreshTokenGrant(config, tokens.refresh_token!))).toBe("invalid_grant");
    // The replay revoked the grant: the newest refresh token is dead too.
    expect(await oauthError(oidc.refreshTokenGrant(config, second.refresh_token!))).toBe("invalid_grant");
  });

  it("revokes refresh tokens and introspects them", async () => {
    const tokens = await tokensFor();
    const before = await oidc.tokenIntrospection(config, tokens.refresh_token!);
    expect(before).toMatchObject({
      active: true,
      sub: ada.id,
      client_id: clientId,
      scope: expect.stringContaining("api"),
    });
    await oidc.tokenRevocation(config, tokens.refresh_token!);
    expect((await oidc.tokenIntrospection(config, tokens.refresh_token!)).active).toBe(false);
    expect(await oauthError(oidc.refreshTokenGrant(config, tokens.refresh_token!))).toBe("invalid_grant");
  });

  it("signs out (end session): the session is gone and the next sign-in asks for the password", async () => {
    const tokens = await tokensFor();
    const sessions = async () =>
      (await userService(server).sessions(systemCaller(), toGlobalId("User", ada.id))).length;
    const n = await sessions();
    expect(n).toBeGreaterThan(0);
    const logoutUrl = oidc.buildEndSessionUrl(config, {
      id_token_hint: tokens.id_token!,
      post_logout_redirect_uri: AFTER_LOGOUT,
    });
    const page = await browser.get(logoutUrl.href);
    expect(page.status()).toBe(200);
    const html = await page.text();
    const action = /<form id="op.logoutForm" method="post" action="([^"]+)"/.exec(html)![1]!;
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)![1]!;
    const done = await browser.post(action, { xsrf, logout: "yes" });
    expect(done.status()).toBe(303);
    expect(done.headers()["location"]).toBe(AFTER_LOGOUT);
    expect(await sessions()).toBe(n - 1);
    const again = await signIn({ consent: true });
    expect(again.callback?.searchParams.get("code")).toEqual(expect.any(String));
  });

  it("refuses a wrong redirect URI, without redirecting and without issuing", async () => {
    const before = await issued();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: "http://localhost:5173/other",
      scope: "openid api",
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: "S256",
    });
    const res = await browser.get(url.href);
    expect(res.status()).toBe(400);
    expect(res.headers()["location"]).toBeUndefined();
    expect(await res.text()).toContain("redirect_uri did not match");
    expect(await issued()).toBe(before);
  });

  it("refuses an authorization request without PKCE, and a code exchange with the wrong verifier", async () => {
    const url = oidc.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: "openid api" });
    const res = await browser.follow(await browser.get(url.href), REDIRECT);
    if (!("redirect" in res)) throw new Error("expected an error redirect");
    const back = new URL(res.redirect);
    expect(back.searchParams.get("error")).toBe("invalid_request");
    expect(back.searchParams.get("error_description")).toMatch(/PKCE/);

    const r = await signIn();
    expect(
      await oauthError(
        oidc.authorizationCodeGrant(config, r.callback!, {
          pkceCodeVerifier: oidc.randomPKCECodeVerifier(),
          expectedState: r.state,
        }),
      ),
    ).toBe("invalid_grant");
    // Without any verifier.
    const raw = await fetch(`${server.publicUrl}/oidc/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "authorization_code",
        code: r.callback!.searchParams.get("code")!,
        redirect_uri: REDIRECT,
        client_id: clientId,
      }),
    });
    expect(raw.status).toBe(400);
    expect(((await raw.json()) as { error: string }).error).toBe("invalid_grant");
  });

  it("refuses a replayed code (and revokes what the first exchange got) and an expired code", async () => {
    const r = await signIn();
    const first = await oidc.authorizationCodeGrant(config, r.callback!, {
      pkceCodeVerifier: r.verifier,
      expectedState: r.state,
    });
    expect(
      await oauthError(
        oidc.authorizationCodeGrant(config, r.callback!, {
          pkceCodeVerifier: r.verifier,
          expectedState: r.state,
        }),
      ),
    ).toBe("invalid_grant");
    expect(await oauthError(oidc.refreshTokenGrant(config, first.refresh_token!))).toBe("invalid_grant");

    const late = await signIn();
    await db.ds.query(
      `UPDATE oidc_payload SET expires_at = now() - interval '1 second' WHERE kind = 'AuthorizationCode'`,
    );
    expect(
      await oauthError(
        oidc.authorizationCodeGrant(config, late.callback!, {
          pkceCodeVerifier: late.verifier,
          expectedState: late.state,
        }),
      ),
    ).toBe("invalid_grant");
  });

  it("refuses a disabled person, and ends their sessions and refresh tokens", async () => {
    const bob = await testUser(server, { name: "Bob" });
    const tokens = await tokensFor({ email: bob.email, password: bob.password });
    await userService(server).setDisabled(systemCaller(), toGlobalId("User", bob.id), true);
    expect(await oauthError(oidc.refreshTokenGrant(config, tokens.refresh_token!))).toBe("invalid_grant");

    await browser.close();
    browser = await FormBrowser.open();
    const before = await issued();
    const r = await signIn({ email: bob.email, password: bob.password });
    expect(r.callback).toBeUndefined();
    expect(r.html).toContain("This account is disabled");
    expect(await issued()).toBe(before);
  });

  it("lets the person deny consent", async () => {
    const r = await signIn({ consent: false });
    expect(r.callback?.searchParams.get("error")).toBe("access_denied");
  });
});
