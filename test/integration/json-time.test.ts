import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { isoTime, isoTimeOf, jsonTime } from "../../src/db/sql.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";

// Child pages write their timestamps with jsonTime and the loader turns them into isoTime's text: the two
// must agree to the character, whatever fraction PostgreSQL writes (none, trimmed zeros, six digits).
describe("jsonTime read back with isoTimeOf", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  it("gives isoTime's text for every fraction, in a JSON page as the child page loaders read it", async () => {
    const times = [
      "2024-05-01 10:00:00+00",
      "2024-05-01 10:00:00.1+00",
      "2024-05-01 10:00:00.12+00",
      "2024-05-01 10:00:00.1239+00",
      "2024-05-01 10:00:00.999999+00",
      "1999-12-31 23:59:59.0005+02",
      "2024-02-29 00:00:00.05-07:30",
    ];
    const rows = (await db.ds.query(
      `SELECT ${isoTime("t")} AS iso, (SELECT json_agg(c) FROM (SELECT ${jsonTime("t")} AS at) c) AS page
         FROM unnest($1::timestamptz[]) WITH ORDINALITY AS u(t, n) ORDER BY n`,
      [times],
    )) as { iso: string; page: { at: string }[] }[];
    expect(rows).toHaveLength(times.length);
    for (const r of rows) expect(isoTimeOf(r.page[0]!.at)).toBe(r.iso);
    expect(rows.map((r) => r.iso)).toContain("1999-12-31T21:59:59.000Z");
    expect(isoTimeOf(null)).toBeNull();
  });
});
