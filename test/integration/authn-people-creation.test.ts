import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { factories } from "../support/factories.js";
import { type TestServer, as, gql, startTestServer } from "../support/server.js";

/**
 * People holding no role are the installation's (README, Authorization): creating one is decided by
 * UserService as any other change of a person is, so a provider's admin cannot create (and so squat the
 * email of) a person no provider can manage afterwards.
 */
describe("creating people", () => {
  let db: TestDatabase;
  let server: TestServer;
  let providerAdmin: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    server = await startTestServer(db.ds);
    const provider = await factories(db.ds).provider();
    const [user] = await db.ds.query(
      `INSERT INTO app_user (email, display_name) VALUES ('admin@one.example', 'One Admin') RETURNING id`,
    );
    await db.ds.query(
      `INSERT INTO casbin_rule (ptype, v0, v1, v2) VALUES ('g', $1, 'provider-admin', 'provider:' || $2)`,
      [`user:${user.id}`, provider.id],
    );
    providerAdmin = `user:${user.id}`;
  });
  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });

  const CREATE = `mutation($i: CreateUserInput!) { createUser(input: $i) { email } }`;

  it("refuses a provider's admin, and records the refusal", async () => {
    const res = await gql(
      server,
      CREATE,
      { i: { email: "ceo@two.example", displayName: "Squatted" } },
      as(providerAdmin),
    );
    expect(res.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    expect(res.data).toBeNull();
    const [row] = await db.ds.query(
      `SELECT count(*)::int AS n FROM app_user WHERE email = 'ceo@two.example'`,
    );
    expect(row.n).toBe(0);
    const [denial] = await db.ds.query(
      `SELECT count(*)::int AS n FROM accounting_event
        WHERE outcome = 'failure' AND action = 'user:manage' AND target_kind = 'user'`,
    );
    expect(denial.n).toBe(1);
  });

  it("lets the installation's admin create a person", async () => {
    const res = await gql(server, CREATE, { i: { email: "ceo@two.example", displayName: "Real" } });
    expect(res.errors).toBeUndefined();
    expect(res.data!.createUser).toEqual({ email: "ceo@two.example" });
  });
});
