import { afterAll, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import * as oidc from "openid-client";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import {
  FormBrowser,
  loginForm as signInPage,
  publicClient,
  publicConfig,
  testUser,
} from "../support/oidc.js";
import { type TestServer, startTestServer } from "../support/server.js";

const REDIRECT = "http://localhost:5173/callback";

describe("brute-force protection", () => {
  let db: TestDatabase;
  let server: TestServer;
  let config: oidc.Configuration;

  beforeAll(async () => {
    db = await createTestDatabase();
    // The defaults: back-off after 3 failures, a 15-minute lock from 10; ten times that per client IP.
    server = await startTestServer(db.ds);
    config = await publicConfig(server, (await publicClient(server, [REDIRECT])).clientId);
  });
  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });
  // Every attempt here comes from 127.0.0.1: each test starts with that address's counter at zero.
  beforeEach(async () => {
    await db.ds.query(`DELETE FROM login_throttle WHERE key LIKE 'ip:%'`);
  });

  const loginForm = (browser: FormBrowser) => signInPage(server, config, REDIRECT, browser);

  const counters = async (key: string) => {
    const [row] = await db.ds.query(
      `SELECT failures, blocked_until > now() AS blocked FROM login_throttle WHERE key = $1`,
      [key],
    );
    return row ?? { failures: 0, blocked: false };
  };

  it("locks an account after 50 parallel wrong passwords, counting every one, and refuses the right one", async () => {
    const user = await testUser(server, { role: null });
    const browser = await FormBrowser.open();
    try {
      const form = await loginForm(browser);
      const attempts = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          browser.post(form.action, { csrf: form.csrf, email: user.email, password: `wrong password ${i}` }),
        ),
      );
      const statuses = attempts.map((r) => r.status());
      expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
      // Only the attempts that came before the counter passed its threshold cost a password check.
      expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(50 - 10);
      expect(await counters(`account:${user.email}`)).toEqual({ failures: 50, blocked: true });
      // Per address the thresholds are ten times higher: 50 failures mean back-off, not a lock yet.
      expect(await counters("ip:127.0.0.1")).toMatchObject({ failures: 50 });

      const right = await browser.post(form.action, {
        csrf: form.csrf,
        email: user.email,
        password: user.password,
      });
      expect(right.status()).toBe(429);
      expect(await right.text()).toContain("Too many attempts");
      expect(right.headers()["location"]).toBeUndefined();
      expect(await counters(`account:${user.email}`)).toEqual({ failures: 51, blocked: true });
      const codes = await db.ds.query(`SELECT 1 FROM oidc_payload WHERE kind = 'AuthorizationCode'`);
      expect(codes).toHaveLength(0);
    } finally {
      await browser.close();
    }
  });

  it("locks unknown emails the same way, so a lock reveals nothing", async () => {
    const browser = await FormBrowser.open();
    try {
      const form = await loginForm(browser);
      const email = "nobody-here@people.example";
      const res = await Promise.all(
        Array.from({ length: 12 }, () =>
          browser.post(form.action, { csrf: form.csrf, email, password: "guess" }),
        ),
      );
      expect(res.some((r) => r.status() === 429)).toBe(true);
      expect(await counters(`account:${email}`)).toEqual({ failures: 12, blocked: true });
    } finally {
      await browser.close();
    }
  });

  it("backs off exponentially past the threshold, and a success resets the counters", async () => {
    const user = await testUser(server, { role: null });
    const browser = await FormBrowser.open();
    try {
      const form = await loginForm(browser);
      const blockSeconds = async () => {
        const [row] = await db.ds.query(
          `SELECT extract(epoch FROM blocked_until - updated_at) AS seconds FROM login_throttle WHERE key = $1`,
          [`account:${user.email}`],
        );
        return row.seconds === null ? null : Math.round(Number(row.seconds));
      };
      const seen: (number | null)[] = [];
      for (let i = 0; i < 6; i++) {
        const r = await browser.post(form.action, { csrf: form.csrf, email: user.email, password: "wrong" });
        expect([401, 429]).toContain(r.status());
        seen.push(await blockSeconds());
      }
      // No block for the first 3 failures, then 1 s, 2 s, 4 s.
      expect(seen).toEqual([null, null, null, 1, 2, 4]);
      const blocked = await browser.post(form.action, {
        csrf: form.csrf,
        email: user.email,
        password: user.password,
      });
      expect(blocked.status()).toBe(429);
      await db.ds.query(`UPDATE login_throttle SET blocked_until = now() WHERE key = $1`, [
        `account:${user.email}`,
      ]);
      const ok = await browser.post(form.action, {
        csrf: form.csrf,
        email: user.email,
        password: user.password,
      });
      expect(ok.status()).toBe(303);
      expect(await counters(`account:${user.email}`)).toEqual({ failures: 0, blocked: false });
    } finally {
      await browser.close();
    }
  });

  it("a success resets only its own account's counter, never the address's", async () => {
    const victim = await testUser(server, { role: null });
    const mine = await testUser(server, { role: null });
    const browser = await FormBrowser.open();
    try {
      const form = await loginForm(browser);
      for (let i = 0; i < 3; i++) {
        const r = await browser.post(form.action, {
          csrf: form.csrf,
          email: victim.email,
          password: "guess",
        });
        expect(r.status()).toBe(401);
      }
      expect(await counters("ip:127.0.0.1")).toMatchObject({ failures: 3 });
      // An attacker's own valid account must not wipe what their address has failed so far.
      const ok = await browser.post(form.action, {
        csrf: form.csrf,
        email: mine.email,
        password: mine.password,
      });
      expect(ok.status()).toBe(303);
      expect(await counters("ip:127.0.0.1")).toMatchObject({ failures: 3 });
      expect(await counters(`account:${victim.email}`)).toMatchObject({ failures: 3 });
      expect(await counters(`account:${mine.email}`)).toEqual({ failures: 0, blocked: false });
    } finally {
      await browser.close();
    }
  });
});
