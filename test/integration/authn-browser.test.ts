import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import * as oidc from "openid-client";
import type { Browser } from "playwright-core";
import { launchChromium } from "../support/browser.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { publicClient, publicConfig, testUser } from "../support/oidc.js";
import { type TestServer, gql, startTestServer, withToken } from "../support/server.js";

const REDIRECT = "http://localhost:5173/callback";

describe("signing in with a real browser (headless Chromium)", () => {
  let db: TestDatabase;
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    db = await createTestDatabase();
    server = await startTestServer(db.ds);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await db?.drop();
  });

  it("opens the authorization URL, signs in, consents, lands on the redirect URI; the token works", async () => {
    const client = await publicClient(server, [REDIRECT]);
    const config = await publicConfig(server, client.clientId);
    const person = await testUser(server, { name: "Margaret Hamilton" });
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT,
      scope: "openid profile email offline_access api",
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      state,
    });

    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    // The frontend is not running: answer its callback URL in the browser itself.
    await page.route(`${REDIRECT}**`, (route) =>
      route.fulfill({ status: 200, contentType: "text/html", body: "<p>back</p>" }),
    );
    await page.goto(url.href);
    await expect(page.title()).resolves.toMatch(/^Sign in/);
    await page.fill("#email", person.email);
    await page.fill("#password", person.password);
    await page.click("button[type=submit]:has-text('Sign in')");
    await page.waitForSelector("text=Allow Test panel?", { timeout: 5000 }).catch(async (e: unknown) => {
      throw new Error(`${String(e)}\n${page.url()}\n${await page.content()}`);
    });
    await page.click("button:has-text('Allow')");
    await page.waitForURL(`${REDIRECT}**`);
    const landed = new URL(page.url());
    await context.close();

    expect(landed.searchParams.get("state")).toBe(state);
    const tokens = await oidc.authorizationCodeGrant(config, landed, {
      pkceCodeVerifier: verifier,
      expectedState: state,
    });
    const me = await gql(server, `{ me { kind name email } }`, {}, withToken(tokens.access_token));
    expect(me.data!.me).toEqual({ kind: "USER", name: "Margaret Hamilton", email: person.email });
  });
});
