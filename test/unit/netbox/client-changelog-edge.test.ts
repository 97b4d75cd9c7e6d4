// The client calls the sync adds to the tested client: counts and the ends of the changelog.
import { describe, expect, it } from "@jest/globals";
import { NetboxClient, NetboxError } from "../../../src/netbox/netbox-client.js";
import { generateNetboxData } from "../../fakes/netbox/index.js";
import { useFakeNetbox, V1 } from "../../support/fake-netbox.js";

const fake = useFakeNetbox();

describe.each(["4.2", "4.6"] as const)("NetBox %s", (version) => {
  it("counts objects and finds the newest and oldest changelog entries", async () => {
    const nb = await fake({ version, tokens: [V1], data: generateNetboxData({ devices: 17 }) });
    const client = new NetboxClient({ url: nb.url, token: V1, retries: 0 });
    expect(await client.count("devices")).toBe(17);
    expect(await client.changelogEdge("newest")).toBeNull();
    const a = nb.create("sites", { name: "A", slug: "a" });
    nb.update("sites", a.id, { name: "B" });
    nb.remove("sites", a.id);
    const all = nb.changes.all();
    expect(await client.changelogEdge("newest")).toEqual({ id: all[2]!.id, time: all[2]!.time });
    expect(await client.changelogEdge("oldest")).toEqual({ id: all[0]!.id, time: all[0]!.time });
  });
});

it("says which permission is missing when the changelog is forbidden", async () => {
  const nb = await fake({ tokens: [{ token: V1, permissions: ["sites"] }] });
  const client = new NetboxClient({ url: nb.url, token: V1, retries: 0 });
  const e = await client.changelogEdge("newest").catch((x: unknown) => x);
  expect(e).toBeInstanceOf(NetboxError);
  expect(e).toMatchObject({
    code: "FORBIDDEN",
    reason: "permission",
    message: "token cannot read object-changes",
  });
});
