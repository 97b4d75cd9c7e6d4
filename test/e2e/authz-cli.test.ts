import { existsSync } from "node:fs";
import { hostname, userInfo } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { factories } from "../support/factories.js";
import { CLI, runCli } from "../support/processes.js";

describe("fedicentral role (command line)", () => {
  let db: TestDatabase;
  let op: { id: string; slug: string };
  let provider: { id: string; slug: string };

  const run = (...args: string[]) => runCli(args, { DATABASE_URL: db.url });
  const grants = () =>
    db.ds.query(`SELECT v0, v1, v2 FROM casbin_rule WHERE ptype = 'g' AND v0 = 'user:cli-eve' ORDER BY id`);

  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
    db = await createTestDatabase();
    const f = factories(db.ds);
    provider = await f.provider();
    op = await f.operator(provider.id);
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("grants, lists and revokes roles, recording each change", async () => {
    const granted = await run("role", "grant", "user:cli-eve", "operator-viewer", "--operator", op.slug);
    expect(granted).toMatchObject({
      code: 0,
      stdout: `granted: user:cli-eve operator-viewer in operator:${op.id}\n`,
    });
    expect(
      (await run("role", "grant", "user:cli-eve", "operator-viewer", "--operator", op.slug)).stdout,
    ).toMatch(/^held already/);
    expect(await grants()).toEqual([{ v0: "user:cli-eve", v1: "operator-viewer", v2: `operator:${op.id}` }]);
    const listed = await run("role", "list", "--subject", "user:cli-eve");
    expect(listed.stdout).toBe(`user:cli-eve\toperator-viewer\toperator ${op.slug} (operator:${op.id})\n`);
    expect(
      (await run("role", "revoke", "user:cli-eve", "operator-viewer", "--operator", op.slug)).stdout,
    ).toMatch(/^revoked/);
    expect(await grants()).toEqual([]);
    const events = await db.ds.query(
      `SELECT action, initiator->>'kind' AS kind, initiator->>'name' AS who, initiator->>'userAgent' AS via
         FROM accounting_event WHERE target_id = 'user:cli-eve' ORDER BY id`,
    );
    const who = `${userInfo().username}@${hostname()}`;
    expect(events).toEqual([
      { action: "grant", kind: "system", who, via: "fedicentral-cli (role grant)" },
      { action: "revoke", kind: "system", who, via: "fedicentral-cli (role revoke)" },
    ]);
  });

  it("grants provider roles per provider and platform-admin installation-wide", async () => {
    expect(
      await run("role", "grant", "user:cli-eve", "provider-viewer", "--provider", provider.slug),
    ).toMatchObject({
      code: 0,
      stdout: `granted: user:cli-eve provider-viewer in provider:${provider.id}\n`,
    });
    expect((await run("role", "grant", "user:cli-eve", "platform-admin")).stdout).toBe(
      "granted: user:cli-eve platform-admin in installation\n",
    );
    const listed = await run("role", "list", "--subject", "user:cli-eve");
    expect(listed.stdout).toBe(
      `user:cli-eve\tplatform-admin\tinstallation\n` +
        `user:cli-eve\tprovider-viewer\tprovider ${provider.slug} (provider:${provider.id})\n`,
    );
    await run("role", "revoke", "user:cli-eve", "provider-viewer", "--provider", provider.slug);
    await run("role", "revoke", "user:cli-eve", "platform-admin");
    expect(await grants()).toEqual([]);
  });

  it("refuses unknown roles and roles in the wrong kind of domain, with exit status 2", async () => {
    for (const args of [
      ["user:cli-eve", "superuser"],
      ["user:cli-eve", "provider-admin", "--operator", "anything"],
      ["user:cli-eve", "provider-admin"],
      ["user:cli-eve", "platform-admin", "--provider", provider.slug],
    ]) {
      const res = await run("role", "grant", ...args);
      expect([args, res.code]).toEqual([args, 2]);
      expect(res.stderr).toMatch(/^fedicentral: /);
    }
    expect(await grants()).toEqual([]);
  });
});
