import { describe, expect, it } from "@jest/globals";
import { committedQueries, renderQueries } from "../../src/cli/sql-commands.js";

describe("the SQL snapshot (schema/queries)", () => {
  it("is what the code's named statements are: run npm run sql:emit and commit the diff", async () => {
    expect(Object.fromEntries(await committedQueries())).toEqual(Object.fromEntries(await renderQueries()));
  });
});
