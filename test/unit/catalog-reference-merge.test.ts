import { describe, expect, it } from "@jest/globals";
import { customizedFields, mergeReference } from "../../src/catalog/reference-merge.js";
import { REFERENCE_CATALOG } from "../../src/catalog/reference-catalog.js";

const { slug: _slug, ...installed } = REFERENCE_CATALOG.find((t) => t.slug === "mastodon")!;

describe("the three-way merge of a reference service type", () => {
  it("takes the release's value where the row still holds the one last installed", () => {
    const next = { ...installed, name: "Mastodon 5", defaultVcpus: 3 };
    expect(mergeReference(installed, installed, next)).toEqual({ name: "Mastodon 5", defaultVcpus: 3 });
  });

  it("keeps what the provider changed, field by field, and compares JSON by value", () => {
    const row = {
      ...installed,
      name: "Our Mastodon",
      storageKinds: ["block", "blob"],
      optionsSchema: JSON.parse(JSON.stringify(installed.optionsSchema)),
    };
    const next = {
      ...installed,
      name: "Mastodon 5",
      storageKinds: ["block"],
      optionsSchema: { type: "object" },
    };
    expect(mergeReference(row, installed, next)).toEqual({
      storageKinds: ["block"],
      optionsSchema: { type: "object" },
    });
    expect(customizedFields(row, installed)).toEqual(["name"]);
  });

  it("changes nothing when the release does not, nor for a bespoke type", () => {
    expect(mergeReference({ ...installed, name: "Ours" }, installed, installed)).toEqual({});
    expect(customizedFields({ ...installed, name: "Ours" }, null)).toEqual([]);
  });
});
