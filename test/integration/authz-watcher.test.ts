import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { DataSource } from "typeorm";
import { EnforcerCache } from "../../src/authz/enforcer-cache.js";
import { operatorDomain } from "../../src/authz/model.js";
import { Permission } from "../../src/authz/permissions.js";
import { watchPolicies, type PolicyWatcher } from "../../src/authz/watcher.js";
import { createDataSource } from "../../src/db/data-source.js";
import { createLogger } from "../../src/logger.js";
import type { RunningServer } from "../../src/server.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { factories } from "../support/factories.js";
import { as, gql, startTestServer } from "../support/server.js";

const until = async (what: string, ok: () => Promise<boolean> | boolean, ms: number): Promise<number> => {
  const start = Date.now();
  while (!(await ok())) {
    if (Date.now() - start > ms) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return Date.now() - start;
};

describe("policy changes reach every process", () => {
  let db: TestDatabase;
  let other: DataSource;
  let a: RunningServer;
  let b: RunningServer;
  let op: { id: string; gid: string };
  let deployment: { gid: string };

  beforeAll(async () => {
    db = await createTestDatabase();
    // A second process in all but name: its own pool, its own LISTEN connection, its own enforcers.
    other = createDataSource({ url: db.url, log: createLogger("silent"), poolSize: 3 });
    await other.initialize();
    const f = factories(db.ds);
    const p = await f.provider();
    op = await f.operator(p.id);
    deployment = await f.deployment(op.id, "production");
    a = await startTestServer(db.ds);
    b = await startTestServer(other);
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await other?.destroy();
    await db?.drop();
  });

  const grant = (server: RunningServer, role: string, mutation = "grantRole") =>
    gql(server, `mutation($i: RoleGrantInput!) { ${mutation}(input: $i) { __typename } }`, {
      i: { subject: "user:zed", role, operatorId: op.gid },
    });
  const rename = (server: RunningServer) =>
    gql(
      server,
      `mutation($id: ID!) { renameDeployment(id: $id, name: "production") { id } }`,
      { id: deployment.gid },
      as("user:zed"),
    );

  it("refuses in process B within a second a role revoked through process A", async () => {
    await grant(a, "operator-viewer");
    await grant(a, "operator-member");
    // B decides with its own, now cached, enforcer of the operator's domain.
    expect((await rename(b)).errors).toBeUndefined();
    expect((await rename(b)).errors).toBeUndefined();
    const revoked = await gql(a, `mutation($i: RoleGrantInput!) { revokeRole(input: $i) }`, {
      i: { subject: "user:zed", role: "operator-member", operatorId: op.gid },
    });
    expect(revoked.data!.revokeRole).toBe(true);
    const elapsed = await until(
      "B refuses",
      async () => (await rename(b)).errors?.[0]?.extensions?.code === "FORBIDDEN",
      1000,
    );
    expect(elapsed).toBeLessThan(1000);
    // Still a viewer there: B reads the deployment, it just may not change it.
    const read = await gql(
      b,
      `query($id: ID!) { node(id: $id) { id } }`,
      { id: deployment.gid },
      as("user:zed"),
    );
    expect(read.data!.node).toEqual({ id: deployment.gid });
    // And a grant through B is honoured by A as quickly.
    await grant(b, "operator-member");
    await until("A allows", async () => (await rename(a)).errors === undefined, 1000);
  });

  describe("the watcher itself", () => {
    let cache: EnforcerCache;
    let watcher: PolicyWatcher;

    beforeAll(async () => {
      cache = new EnforcerCache(other, 100);
      watcher = watchPolicies(other, cache, createLogger("silent"));
      await watcher.ready;
    });
    afterAll(async () => {
      await watcher?.stop();
    });

    it("drops the enforcer of exactly the domain whose policies changed, on any write", async () => {
      const mine = operatorDomain(op.id);
      const unrelated = operatorDomain("00000000-0000-4000-8000-000000000001");
      await cache.get(mine);
      await cache.get(unrelated);
      expect((await cache.get(mine)).check("user:yan", Permission.DeploymentRead)).toBe(false);
      // A plain SQL write (CLI, psql) notifies too: the trigger is on the table.
      await db.ds.query(
        `INSERT INTO casbin_rule (ptype, v0, v1, v2) VALUES ('g', 'user:yan', 'auditor', $1)`,
        [mine],
      );
      await until("invalidated", () => !cache.has(mine), 1000);
      expect(cache.has(unrelated)).toBe(true);
      expect((await cache.get(mine)).check("user:yan", Permission.DeploymentRead)).toBe(true);
    });

    it("forgets everything after losing its connection, since changes meanwhile went unheard", async () => {
      await cache.get(operatorDomain(op.id));
      await db.ds.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE datname = current_database() AND application_name = 'fedicentral-listen' AND pid <> pg_backend_pid()`,
      );
      await until("cleared after reconnecting", () => cache.size === 0, 5000);
    });
  });
});
