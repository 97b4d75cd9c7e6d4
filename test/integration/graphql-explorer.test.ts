// The GraphQL explorer: a browser's GET /graphql gets GraphiQL, served with every asset by the service
// itself; the person signs in through the service's OpenID provider and runs queries with their token.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { Browser } from "playwright-core";
import { launchChromium } from "../support/browser.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { testUser } from "../support/oidc.js";
import { type TestServer, startTestServer } from "../support/server.js";

const BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

describe("the GraphQL explorer", () => {
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

  it("serves the page to browsers only, with a CSP allowing no inline script and no other origin", async () => {
    const page = await fetch(`${server.url}/graphql`, { headers: { accept: BROWSER_ACCEPT } });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    const csp = page.headers.get("content-security-policy")!;
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("connect-src 'self';");
    const html = await page.text();
    // Every script is a file of the service: none inline.
    expect(html.match(/<script[^>]*>/g)).toEqual(['<script type="module" src="/explorer/explorer.js">']);
    expect(html).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)/);

    // API requests are unchanged: a GET without text/html and a POST are GraphQL.
    const get = await fetch(`${server.url}/graphql?query=${encodeURIComponent("{ __typename }")}`, {
      headers: {
        accept: "application/json",
        "apollo-require-preflight": "true",
        authorization: `Bearer ${server.token}`,
      },
    });
    expect(await get.json()).toEqual({ data: { __typename: "Query" } });
    const any = await fetch(`${server.url}/graphql`, { headers: { accept: "*/*" } });
    expect(any.headers.get("content-type")).not.toMatch(/html/);
    const asset = await fetch(`${server.url}/explorer/static/ruru.js`, {
      headers: { "accept-encoding": "br" },
    });
    expect(asset.status).toBe(200);
    expect(asset.headers.get("content-type")).toMatch(/^text\/javascript/);
  });

  it("signs a person in with code + PKCE and runs their query with their token, asking no other host", async () => {
    const person = await testUser(server, { name: "Hopper" });
    const origin = new URL(server.url).host;
    const context = await browser.newContext();
    const requested: string[] = [];
    context.on("request", (r) => requested.push(r.url()));
    const page = await context.newPage();
    const violations: string[] = [];
    page.on("console", (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    const fail = async (e: unknown): Promise<never> => {
      throw new Error(`${String(e)}\n${page.url()}\n${(await page.innerText("body")).slice(0, 3000)}`);
    };

    await page.goto(`${server.url}/graphql`);
    await page.waitForSelector("#explorer-sign-in", { timeout: 15_000 }).catch(fail);
    await page.click("#explorer-sign-in");
    await page.waitForSelector("#email", { timeout: 10_000 }).catch(fail);
    await page.fill("#email", person.email);
    await page.fill("#password", person.password);
    await page.click("button[type=submit]:has-text('Sign in')");
    await page.waitForSelector("text=Allow GraphQL explorer?", { timeout: 10_000 }).catch(fail);
    await page.click("button:has-text('Allow')");
    await page.waitForSelector("text=Signed in as Hopper", { timeout: 15_000 }).catch(fail);
    // The code is traded and gone from the address bar; the token stays in the tab only.
    expect(page.url()).toBe(`${server.url}/graphql`);
    const stored = await page.evaluate(() => ({
      token: sessionStorage.getItem("fedicentral-explorer:token") ?? "",
      local: JSON.stringify(localStorage),
    }));
    expect(stored.token).toMatch(/^ey/);
    expect(stored.local).not.toContain(stored.token);

    // The default query asks who is signed in; run it.
    await page.waitForSelector(".graphiql-execute-button", { timeout: 30_000 }).catch(fail);
    await page.click(".graphiql-execute-button");
    // The response editor shows the result (Monaco writes spaces as no-break spaces).
    const result = async () => (await page.innerText(".result-window")).replace(/\u00a0/g, " ");
    await page.waitForSelector(".result-window >> text=Hopper", { timeout: 20_000 }).catch(fail);
    const shown = await result();
    expect(shown).toMatch(/"name":\s*"Hopper"/);
    expect(shown).toMatch(/"kind":\s*"USER"/);
    await context.close();

    expect(requested.length).toBeGreaterThan(5);
    expect(
      requested.filter((u) => new URL(u).host !== origin && !u.startsWith("data:") && !u.startsWith("blob:")),
    ).toEqual([]);
    expect(violations).toEqual([]);
  });
});

describe("the GraphQL explorer in production mode", () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  const pageOf = async (env: Record<string, string>) => {
    const server = await startTestServer(db.ds, { NODE_ENV: "production", ...env });
    try {
      const res = await fetch(`${server.url}/graphql`, { headers: { accept: BROWSER_ACCEPT } });
      const asset = await fetch(`${server.url}/explorer/explorer.js`);
      return { type: res.headers.get("content-type"), asset: asset.status };
    } finally {
      await server.stop();
    }
  };

  it("is off unless GRAPHQL_EXPLORER=on: a browser's GET gets no page and no asset", async () => {
    const off = await pageOf({});
    expect(off.type).not.toMatch(/html/);
    expect(off.asset).toBe(404);
    const on = await pageOf({ GRAPHQL_EXPLORER: "on" });
    expect(on.type).toMatch(/^text\/html/);
    expect(on.asset).toBe(200);
  });
});
