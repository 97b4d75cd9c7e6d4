import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { randomUUID } from "node:crypto";
import { operatorDomain } from "../../src/authz/model.js";
import { toGlobalId } from "../../src/common/global-id.js";
import type { RunningServer } from "../../src/server.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { factories } from "../support/factories.js";
import { as, gql, startTestServer } from "../support/server.js";

type EventRow = {
  operatorId: string | null;
  targetKind: string;
  targetId: string | null;
  reason: string | null;
  initiator: { kind: string; id?: string; attempts?: number };
};

/**
 * The rule: a refusal is recorded in the chain of the operator whose object it aimed at, when that object
 * exists (so that operator's auditors see every attempt against it), else in the provider-wide chain;
 * it names the caller's own identity always.
 */
describe("refusals land in the chain of the operator they aimed at", () => {
  let db: TestDatabase;
  let server: RunningServer;
  let alpha: { id: string; gid: string };
  let beta: { id: string; gid: string };
  let betaDeployment: { gid: string };
  const viewer = `user:${randomUUID()}`;

  beforeAll(async () => {
    db = await createTestDatabase();
    const f = factories(db.ds);
    const p = await f.provider();
    alpha = await f.operator(p.id);
    beta = await f.operator(p.id);
    betaDeployment = await f.deployment(beta.id);
    await db.ds.query(`INSERT INTO casbin_rule (ptype, v0, v1, v2) VALUES ('g', $1, 'operator-viewer', $2)`, [
      viewer,
      operatorDomain(alpha.id),
    ]);
    server = await startTestServer(db.ds);
  });
  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });

  const failuresOf = async (requestId: string): Promise<EventRow[]> =>
    db.ds.query(
      `SELECT operator_id AS "operatorId", target_kind AS "targetKind", target_id AS "targetId", reason, initiator
         FROM accounting_event WHERE outcome = 'failure' AND request_id = $1`,
      [requestId],
    );

  async function refused(query: string, variables: Record<string, unknown>) {
    const requestId = randomUUID();
    const res = await gql(server, query, variables, { ...as(viewer), "x-request-id": requestId });
    expect(res.errors?.[0]).toBeDefined();
    return { code: res.errors![0]!.extensions?.code, events: await failuresOf(requestId) };
  }

  it("a viewer's refused updateOperator of their own operator is in that operator's chain, naming them", async () => {
    const { code, events } = await refused(
      `mutation($id: ID!) { updateOperator(id: $id, input: { name: "taken over" }) { id } }`,
      { id: alpha.gid },
    );
    expect(code).toBe("FORBIDDEN");
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ operatorId: alpha.id, targetKind: "operator", targetId: alpha.id });
    expect(events[0]!.reason).toMatch(/Mutation\.updateOperator/);
    expect(events[0]!.initiator).toMatchObject({ kind: "user", id: viewer.slice("user:".length) });
  });

  it("an attempt on another operator's object is in that operator's chain, the object's existence still hidden", async () => {
    const { code, events } = await refused(`query($d: ID!) { deploymentConfig(deploymentId: $d) }`, {
      d: betaDeployment.gid,
    });
    expect(code).toBe("NOT_FOUND");
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ operatorId: beta.id, targetKind: "deployment" });
    expect(events[0]!.initiator).toMatchObject({ kind: "user", id: viewer.slice("user:".length) });
  });

  it("a refused mutation on another operator is in that operator's chain too", async () => {
    const { events } = await refused(`mutation($id: ID!) { suspendOperator(id: $id) { id } }`, {
      id: beta.gid,
    });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ operatorId: beta.id, targetKind: "operator", targetId: beta.id });
  });

  it("an attempt on an object that does not exist is provider-wide, naming the id tried", async () => {
    const missing = randomUUID();
    const { events } = await refused(
      `mutation($id: ID!) { updateOperator(id: $id, input: { name: "x" }) { id } }`,
      { id: toGlobalId("Operator", missing) },
    );
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ operatorId: null, targetKind: "operator", targetId: missing });
  });

  it("an operation that names no object is provider-wide, naming the operation", async () => {
    const { events } = await refused(
      `mutation { createProvider(input: { slug: "evil", name: "Evil", contactEmail: "e@evil.example" }) { id } }`,
      {},
    );
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      operatorId: null,
      targetKind: "operation",
      targetId: "Mutation.createProvider",
    });
  });
});
