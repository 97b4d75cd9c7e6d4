// The client calls the sync adds to the tested client: counts and the ends of the changelog.
import { afterEach, describe, expect, it } from "@jest/globals";
import { NetboxClient, NetboxError } from "../../../src/netbox/netbox-client.js";
import {
  generateNetboxData,
  makeV1Token,
  startFakeNetbox,
  type FakeNetbox,
} from "../../fakes/netbox/index.js";

const TOKEN = makeV1Token();
const running: FakeNetbox[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((nb) => nb.stop()));
});

describe.each(["4.2", "4.6"] as const)("NetBox %s", (version) => {
  it("counts objects and finds the newest and oldest changelog entries", async () => {
    const nb = await startFakeNetbox({ version, tokens: [TOKEN], data: generateNetboxData({ devices: 17 }) });
    running.push(nb);
    const client = new NetboxClient({ url: nb.url, token: TOKEN, retries: 0 });
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
  const nb = await startFakeNetbox({ tokens: [{ token: TOKEN, permissions: ["sites"] }] });
  running.push(nb);
  const client = new NetboxClient({ url: nb.url, token: TOKEN, retries: 0 });
  const e = await client.changelogEdge("newest").catch((x: unknown) => x);
  expect(e).toBeInstanceOf(NetboxError);
  expect(e).toMatchObject({
    code: "FORBIDDEN",
    reason: "permission",
    message: "token cannot read object-changes",
  });
});
