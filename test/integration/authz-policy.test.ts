import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { catalogue } from "../../src/modules.js";
import { toGlobalId } from "../../src/common/global-id.js";
import type { RunningServer } from "../../src/server.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { factories } from "../support/factories.js";
import { TEST_ADMIN, as, gql, startTestServer } from "../support/server.js";

const GRANT = `mutation($input: RoleGrantInput!) {
  grantRole(input: $input) { subject domain grantedAt role { name } operator { id } } }`;
const REVOKE = `mutation($input: RoleGrantInput!) { revokeRole(input: $input) }`;
const ASSIGNMENTS = `query($filter: RoleAssignmentFilter) {
  roleAssignments(filter: $filter, first: 100) { totalCount nodes { subject domain role { name } } } }`;
const EXPLAIN = `query($s: String!, $p: String!, $o: ID) {
  explainAccess(subject: $s, permission: $p, operatorId: $o) {
    allowed subject permission domain role grant rule reason operator { id } } }`;

describe("role management", () => {
  let db: TestDatabase;
  let server: RunningServer;
  let a: { id: string; gid: string };
  let b: { id: string; gid: string };
  const adminOfA = "user:alice";

  const events = (action: string, outcome = "success") =>
    db.ds.query(
      `SELECT action, outcome, target_kind AS "targetKind", target_id AS "targetId", operator_id AS "operatorId",
              reason, initiator->>'id' AS who
         FROM accounting_event WHERE action = $1 AND outcome = $2 ORDER BY id`,
      [action, outcome],
    );

  beforeAll(async () => {
    db = await createTestDatabase();
    const f = factories(db.ds);
    const p = await f.provider();
    a = await f.operator(p.id);
    b = await f.operator(p.id);
    server = await startTestServer(db.ds);
    const res = await gql(server, GRANT, {
      input: { subject: adminOfA, role: "operator-admin", operatorId: a.gid },
    });
    expect(res.errors).toBeUndefined();
  });
  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });

  it("stores the roles' permissions exactly as the modules grant them (the role catalogue)", async () => {
    const lines: { role: string; obj: string; act: string }[] = await db.ds.query(
      `SELECT v0 AS role, v1 AS obj, v2 AS act FROM casbin_rule WHERE ptype = 'p'`,
    );
    const stored = new Map<string, string[]>();
    for (const l of lines) stored.set(l.role, [...(stored.get(l.role) ?? []), `${l.obj}:${l.act}`]);
    // A difference means a data migration is missing (or a module's grants are wrong): change both together.
    expect(Object.fromEntries([...stored].map(([r, ps]) => [r, ps.sort()]))).toEqual(
      Object.fromEntries(catalogue.roles.map((r) => [r.name, [...r.permissions].sort()])),
    );
    const res = await gql(server, `{ roles { name domains permissions } }`);
    expect(res.data!.roles.map((r: { name: string }) => r.name)).toEqual(catalogue.roles.map((r) => r.name));
    expect(res.data!.roles.find((r: { name: string }) => r.name === "config-reader")).toEqual({
      name: "config-reader",
      domains: ["PROVIDER", "OPERATOR"],
      permissions: ["config:read", "state:report"],
    });
  });

  it("grants a role once, with one accounting event, and lists it", async () => {
    const input = { subject: "user:bob", role: "operator-member", operatorId: a.gid };
    const first = await gql(server, GRANT, { input }, as(adminOfA));
    expect(first.errors).toBeUndefined();
    expect(first.data!.grantRole).toMatchObject({
      subject: "user:bob",
      domain: `operator:${a.id}`,
      role: { name: "operator-member" },
      operator: { id: a.gid },
    });
    const again = await gql(server, GRANT, { input }, as(adminOfA));
    expect(again.data!.grantRole.grantedAt).toBe(first.data!.grantRole.grantedAt);
    const grants = (await events("grant")).filter((e: { targetId: string }) => e.targetId === "user:bob");
    expect(grants).toEqual([
      expect.objectContaining({ targetKind: "role-assignment", operatorId: a.id, who: "alice" }),
    ]);
    const list = await gql(server, ASSIGNMENTS, { filter: { subject: "user:bob" } });
    expect(list.data!.roleAssignments).toEqual({
      totalCount: 1,
      nodes: [{ subject: "user:bob", domain: `operator:${a.id}`, role: { name: "operator-member" } }],
    });
  });

  it("lets nobody grant a role above their own", async () => {
    const grant = (role: string, operatorId: string | null) =>
      gql(server, GRANT, { input: { subject: "user:carol", role, operatorId } }, as(adminOfA));
    // Equal to their own: fine.
    expect((await grant("operator-admin", a.gid)).errors).toBeUndefined();
    // config-reader reports observed state, which an operator-admin cannot do.
    const above = await grant("config-reader", a.gid);
    expect(above.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    expect(above.errors?.[0]?.message).toMatch(/state:report.*above their own/);
    // Installation-wide needs policy:manage installation-wide.
    expect((await grant("auditor", null)).errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    // Another operator's domain: indistinguishable from a missing operator.
    const other = await grant("operator-viewer", b.gid);
    const missing = await grant("operator-viewer", toGlobalId("Operator", randomUUID()));
    expect(other.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    expect(other.errors?.[0]?.message).toBe(missing.errors?.[0]?.message);
    expect(Object.keys(other.errors![0]!.extensions!)).toEqual(Object.keys(missing.errors![0]!.extensions!));
    // Every refusal is in the accounting log as a failure.
    const refused = (await events("policy:manage", "failure")).filter(
      (e: { who: string }) => e.who === "alice",
    );
    expect(refused.map((e: { reason: string }) => e.reason)).toEqual([
      expect.stringMatching(/state:report/),
      expect.stringMatching(/^forbidden/),
      expect.stringMatching(/^not found/),
    ]);
    expect(refused[2]).toMatchObject({ operatorId: b.id, targetKind: "operator" });
  });

  it("refuses role changes to those without policy:manage, at the root field", async () => {
    const res = await gql(
      server,
      GRANT,
      { input: { subject: "user:bob", role: "operator-viewer", operatorId: a.gid } },
      as("user:bob"),
    );
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: "FORBIDDEN", permission: "policy:manage" });
    expect(res.data).toBeNull();
    const anonymous = await gql(server, ASSIGNMENTS, {}, as("anonymous"));
    expect(anonymous.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });

  it("rejects unknown roles, malformed subjects and roles in the wrong kind of domain", async () => {
    const codes = await Promise.all(
      [
        { subject: "user:x", role: "superuser", operatorId: a.gid },
        { subject: "mallory", role: "operator-viewer", operatorId: a.gid },
        { subject: "user:x", role: "operator-viewer", operatorId: null },
        { subject: "user:x", role: "provider-admin", operatorId: a.gid },
      ].map(async (input) => (await gql(server, GRANT, { input })).errors?.[0]?.extensions),
    );
    expect(codes).toEqual([
      expect.objectContaining({ code: "BAD_USER_INPUT", field: "input.role" }),
      expect.objectContaining({ code: "BAD_USER_INPUT", field: "input.subject" }),
      expect.objectContaining({ code: "BAD_USER_INPUT", field: "input.operatorId" }),
      expect.objectContaining({ code: "BAD_USER_INPUT", field: "input.operatorId" }),
    ]);
  });

  it("shows an operator-admin only its own operator's grants", async () => {
    await gql(server, GRANT, { input: { subject: "user:dave", role: "operator-viewer", operatorId: b.gid } });
    const mine = await gql(server, ASSIGNMENTS, {}, as(adminOfA));
    const domains = new Set(mine.data!.roleAssignments.nodes.map((n: { domain: string }) => n.domain));
    expect([...domains]).toEqual([`operator:${a.id}`]);
    expect(mine.data!.roleAssignments.totalCount).toBe(mine.data!.roleAssignments.nodes.length);
    const all = await gql(server, ASSIGNMENTS, {});
    const allDomains = new Set(all.data!.roleAssignments.nodes.map((n: { domain: string }) => n.domain));
    expect(allDomains).toEqual(new Set(["installation", `operator:${a.id}`, `operator:${b.id}`]));
    const installation = await gql(server, ASSIGNMENTS, { filter: { installation: true } });
    expect(installation.data!.roleAssignments.nodes).toEqual([
      { subject: TEST_ADMIN, domain: "installation", role: { name: "platform-admin" } },
    ]);
  });

  it("explains which grant decided, or that none did", async () => {
    const yes = await gql(server, EXPLAIN, { s: "user:bob", p: "deployment:write", o: a.gid }, as(adminOfA));
    expect(yes.data!.explainAccess).toEqual({
      allowed: true,
      subject: "user:bob",
      permission: "deployment:write",
      domain: `operator:${a.id}`,
      role: "operator-member",
      grant: `g, user:bob, operator-member, operator:${a.id}`,
      rule: "p, operator-member, deployment, write",
      reason: expect.stringMatching(/^allowed: user:bob holds operator-member/),
      operator: { id: a.gid },
    });
    const no = await gql(server, EXPLAIN, { s: "user:bob", p: "quota:set", o: a.gid }, as(adminOfA));
    expect(no.data!.explainAccess).toMatchObject({ allowed: false, domain: null, grant: null, rule: null });
    const admin = await gql(server, EXPLAIN, { s: TEST_ADMIN, p: "quota:set", o: b.gid });
    expect(admin.data!.explainAccess).toMatchObject({
      allowed: true,
      domain: "installation",
      role: "platform-admin",
    });
    expect(admin.data!.explainAccess.operator).toBeNull();
    const elsewhere = await gql(
      server,
      EXPLAIN,
      { s: "user:bob", p: "deployment:write", o: b.gid },
      as(adminOfA),
    );
    expect(elsewhere.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    const badPermission = await gql(server, EXPLAIN, { s: "user:bob", p: "deployment:fly", o: a.gid });
    expect(badPermission.errors?.[0]?.extensions).toMatchObject({
      code: "BAD_USER_INPUT",
      field: "permission",
    });
  });

  it("revokes, and keeps the last platform-admin", async () => {
    const input = { subject: "user:bob", role: "operator-member", operatorId: a.gid };
    expect((await gql(server, REVOKE, { input }, as(adminOfA))).data!.revokeRole).toBe(true);
    expect((await gql(server, REVOKE, { input }, as(adminOfA))).data!.revokeRole).toBe(false);
    expect(await events("revoke")).toEqual([
      expect.objectContaining({ targetId: "user:bob", operatorId: a.id, who: "alice" }),
    ]);
    const last = await gql(server, REVOKE, { input: { subject: TEST_ADMIN, role: "platform-admin" } });
    expect(last.errors?.[0]?.extensions).toMatchObject({ code: "CONFLICT" });
    await gql(server, GRANT, { input: { subject: "user:erin", role: "platform-admin" } });
    const now = await gql(server, REVOKE, { input: { subject: "user:erin", role: "platform-admin" } });
    expect(now.data!.revokeRole).toBe(true);
  });
});
