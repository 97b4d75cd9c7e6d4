import { describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import { DomainError } from "../../src/common/errors.js";
import { expectGlobalId, fromGlobalId, toGlobalId } from "../../src/common/global-id.js";
import * as v from "../../src/common/validate.js";
import { decodeCursor, encodeCursor, pageRequest } from "../../src/api/connection.js";

const codeOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return e instanceof DomainError ? [e.extensions.code, e.extensions.field] : ["OTHER"];
  }
  return null;
};

describe("input validation", () => {
  it("normalises DNS names to lower-case ASCII and refuses bad ones", () => {
    expect(v.dnsName("Bücher.Example.", "z")).toBe("xn--bcher-kva.example");
    expect(codeOf(() => v.dnsName("-bad.example", "z"))).toEqual(["BAD_USER_INPUT", "z"]);
    expect(codeOf(() => v.dnsName(`${"a".repeat(64)}.example`, "z"))).toEqual(["BAD_USER_INPUT", "z"]);
    expect(codeOf(() => v.dnsName("example", "z"))).toEqual(["BAD_USER_INPUT", "z"]);
  });

  it("knows which names lie inside a zone", () => {
    expect(v.isInZone("social.club.example", "club.example")).toBe(true);
    expect(v.isInZone("club.example", "club.example")).toBe(true);
    expect(v.isInZone("evilclub.example", "club.example")).toBe(false);
  });

  it("accepts slugs and refuses everything else", () => {
    expect(v.slug("fedi-club-2", "s")).toBe("fedi-club-2");
    for (const bad of ["", "-a", "a-", "A", "a_b", "a".repeat(64)])
      expect(codeOf(() => v.slug(bad, "s"))).toEqual(["BAD_USER_INPUT", "s"]);
  });

  it("accepts five-field cron expressions only", () => {
    expect(v.cron("0  3 * * *", "c")).toBe("0 3 * * *");
    expect(codeOf(() => v.cron("0 3 * *", "c"))).toEqual(["BAD_USER_INPUT", "c"]);
    expect(codeOf(() => v.cron("99 3 * * *", "c"))).toEqual(["BAD_USER_INPUT", "c"]);
  });

  it("round-trips global ids and cursors for any value", () => {
    fc.assert(
      fc.property(fc.uuid(), fc.constantFrom("Operator", "Deployment"), (id, type) => {
        expect(fromGlobalId(toGlobalId(type, id))).toEqual({ type, id });
      }),
    );
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string(), fc.integer()), { minLength: 1 }), (values) => {
        expect(decodeCursor(encodeCursor(values), "after")).toEqual(values);
      }),
    );
  });

  it("refuses an id of the wrong type", () => {
    const id = toGlobalId("Service", "00000000-0000-4000-8000-000000000000");
    expect(codeOf(() => expectGlobalId(id, "Operator", "id"))).toEqual(["BAD_USER_INPUT", "id"]);
  });

  it("bounds page sizes and refuses first with last", () => {
    expect(pageRequest({})).toEqual({ forward: true, limit: 20, cursor: null });
    expect(codeOf(() => pageRequest({ first: 101 }))).toEqual(["BAD_USER_INPUT", "first"]);
    expect(codeOf(() => pageRequest({ first: 1, last: 1 }))).toEqual(["BAD_USER_INPUT", "first"]);
  });
});
