import { describe, expect, it } from "@jest/globals";

import {
  NETBOX_KINDS,
  NetboxClient,
  NetboxError,
  requireFields,
  type NetboxClientOptions,
  type NetboxObject,
  type NetboxPage,
  type NetboxRetryEvent,
} from "../../../src/netbox/netbox-client.js";
import { generateNetboxData, makeV1Token, makeV2Token, type FakeNetbox } from "../../fakes/netbox/index.js";
import { useFakeNetbox, V1, V2 } from "../../support/fake-netbox.js";
import { TEST_TLS_CERT, TEST_TLS_KEY } from "../../fakes/netbox/tls-fixture.js";

const fake = useFakeNetbox();

function client(nb: FakeNetbox, extra: Partial<NetboxClientOptions> = {}): NetboxClient {
  return new NetboxClient({
    url: nb.url,
    token: V1,
    timeoutMs: 2000,
    retries: 3,
    backoff: { baseMs: 5, maxMs: 20 },
    ...extra,
  });
}

async function collect<T extends NetboxObject>(pages: AsyncIterable<NetboxPage<T>>) {
  const all: NetboxPage<T>[] = [];
  for await (const p of pages) all.push(p);
  return {
    pages: all,
    ids: all.flatMap((p) => p.objects.map((o) => o.id)),
    malformed: all.flatMap((p) => p.malformed),
  };
}

async function expectNetboxError(p: Promise<unknown>): Promise<NetboxError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(NetboxError);
  return e as NetboxError;
}

const listRequests = (nb: FakeNetbox, path: string) => nb.requests.filter((r) => r.path === path);

describe("NetboxClient.status", () => {
  it.each(["4.2", "4.6"] as const)(
    "detects NetBox %s from /api/status/ and the API-Version header",
    async (version) => {
      const nb = await fake({ version });
      const s = await client(nb).status();
      expect(s.apiVersion).toBe(version);
      expect(s.netboxVersion).toBe(`${version}.8`);
      expect(s.cursorPaging).toBe(version === "4.6");
      expect(s.fullVersion).toBe(version === "4.6" ? "4.6.8" : null);
      expect(s.warnings).toEqual(version === "4.6" ? ["v1 API tokens are deprecated since NetBox 4.6"] : []);
      expect(s.requestId).toMatch(/^[0-9a-f-]{36}$/);
    },
  );
});

describe("NetboxClient.listAll paging", () => {
  const small = () =>
    generateNetboxData({
      sites: 4,
      racks: 9,
      devices: 23,
      interfaces: 61,
      ipAddresses: 37,
      prefixes: 8,
      vlans: 11,
      clusters: 3,
      vms: 17,
      tenants: 5,
    });

  it.each(["4.2", "4.6"] as const)("lists every kind completely, in id order, on %s", async (version) => {
    const nb = await fake({ version, data: small() });
    const c = client(nb);
    for (const kind of NETBOX_KINDS) {
      const expected = nb.data
        .table(kind)
        .all()
        .map((r) => r.id);
      const before = nb.requests.length;
      const { ids, pages } = await collect(c.listAll(kind, { pageSize: 7 }));
      expect({ kind, ids }).toEqual({ kind, ids: expected });
      expect(pages.every((p) => p.objects.length <= 7)).toBe(true);
      const used = nb.requests.slice(before).filter((r) => r.path !== "/api/status/");
      expect(used.length).toBeGreaterThan(0);
      // Keyset on 4.2 (ordering=id&id__gt), cursor on 4.6 (start), never offsets.
      for (const r of used) {
        const q = new URLSearchParams(r.query);
        expect(q.has("offset")).toBe(false);
        if (version === "4.2") expect([q.get("ordering"), q.has("id__gt")]).toEqual(["id", true]);
        else expect([q.has("start"), q.has("ordering")]).toEqual([true, false]);
      }
      expect(used.length).toBeLessThanOrEqual(Math.ceil(expected.length / 7) + 1);
    }
  });

  it("passes filters (multi-value as repeated params) and excludes config_context by default", async () => {
    const nb = await fake({ version: "4.6", data: small() });
    const { pages, ids } = await collect(
      client(nb).listAll("devices", { filters: { site_id: [1, 2] }, pageSize: 5 }),
    );
    const expected = nb.data.devices
      .all()
      .filter((d) => d.site_id === 1 || d.site_id === 2)
      .map((d) => d.id);
    expect(ids).toEqual(expected);
    expect(pages[0]!.objects[0]).not.toHaveProperty("config_context");
    const withCc = await collect(client(nb).listAll("devices", { includeConfigContext: true, pageSize: 5 }));
    expect(withCc.pages[0]!.objects[0]).toHaveProperty("config_context");
    await expect(async () => {
      for await (const _ of client(nb).listAll("devices", { filters: { offset: 5 } })) break;
    }).rejects.toThrow(TypeError);
  });

  it("adds id to `fields` so paging keeps working", async () => {
    const nb = await fake({ version: "4.2", data: small() });
    const { pages, ids } = await collect(
      client(nb).listAll("interfaces", { fields: ["name"], pageSize: 20 }),
    );
    expect(ids).toHaveLength(61);
    expect(Object.keys(pages[0]!.objects[0]!).sort()).toEqual(["id", "name"]);
  });

  it("resumes after afterId and reports lastId", async () => {
    const nb = await fake({ version: "4.6", data: small() });
    const { pages, ids } = await collect(client(nb).listAll("interfaces", { afterId: 50, pageSize: 4 }));
    expect(ids).toEqual([51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61]);
    expect(pages.at(-1)!.lastId).toBe(61);
  });

  it("caps pageSize at MAX_PAGE_SIZE so a capped page is not mistaken for the last one", async () => {
    const nb = await fake({
      version: "4.6",
      data: generateNetboxData({ interfaces: 2500, devices: 10 }),
      maxPageSize: 1000,
    });
    const { ids, pages } = await collect(client(nb).listAll("interfaces", { pageSize: 5000 }));
    expect(ids).toHaveLength(2500);
    expect(pages.map((p) => p.objects.length)).toEqual([1000, 1000, 500]);
  });
});

describe("tokens", () => {
  it("sends v1 as `Token` on 4.2 and v2 as `Bearer` on 4.6", async () => {
    const nb42 = await fake({ version: "4.2" });
    await client(nb42, { token: V1 }).status();
    expect(nb42.requests.at(-1)!.authorization).toBe(`Token ${V1}`);

    const nb46 = await fake({ version: "4.6" });
    const c = client(nb46, { token: V2 });
    expect(c.tokenFormat).toBe("v2");
    const s = await c.status();
    expect(s.warnings).toEqual([]);
    expect(nb46.requests.at(-1)!.authorization).toBe(`Bearer ${V2}`);
    expect((await collect(c.listAll("sites"))).ids).toEqual([1, 2, 3]);
  });

  it.each([
    ["4.2", "v1", makeV1Token(), "NetBox rejected the token: Invalid token"],
    ["4.6", "v1", makeV1Token(), "NetBox rejected the token: Invalid v1 token"],
    ["4.6", "v2", makeV2Token(), "NetBox rejected the token: Invalid v2 token"],
    [
      "4.2",
      "v2",
      makeV2Token(),
      "NetBox rejected the token: Authentication credentials were not provided. (v2 nbt_ tokens need NetBox 4.5+)",
    ],
  ] as const)(
    "on %s an unknown %s token → FORBIDDEN without retries",
    async (version, _format, token, message) => {
      const nb = await fake({ version });
      const e = await expectNetboxError(client(nb, { token }).status());
      expect(e.code).toBe("FORBIDDEN");
      expect(e.reason).toBe("authentication");
      expect(e.status).toBe(403);
      expect(e.message).toBe(message);
      expect(nb.requests).toHaveLength(1);
    },
  );

  it("rejects malformed token strings before any request", () => {
    expect(() => new NetboxClient({ url: "http://x", token: "nbt_nodot" })).toThrow(TypeError);
    expect(() => new NetboxClient({ url: "http://x", token: "Token abc" })).toThrow(TypeError);
  });
});

describe("permissions", () => {
  it("maps a per-kind 403 to FORBIDDEN 'token cannot read <kind>' and canRead=false", async () => {
    const nb = await fake({ version: "4.6", tokens: [{ token: V1, permissions: ["sites", "tenants"] }] });
    const c = client(nb);
    expect(await c.canRead("sites")).toBe(true);
    expect(await c.canRead("devices")).toBe(false);
    expect(await c.canRead("object-changes")).toBe(false);
    const e = await expectNetboxError(collect(c.listAll("devices")));
    expect(e.code).toBe("FORBIDDEN");
    expect(e.reason).toBe("permission");
    expect(e.message).toBe("token cannot read devices");
    expect(e.body).toEqual({ detail: "You do not have permission to perform this action." });
  });

  it("canRead still throws when the token itself is rejected", async () => {
    const nb = await fake({ version: "4.6" });
    const e = await expectNetboxError(client(nb, { token: makeV1Token() }).canRead("sites"));
    expect(e.reason).toBe("authentication");
  });

  it("get() returns null for objects hidden by constraints (404), like missing ones", async () => {
    const nb = await fake({
      version: "4.6",
      tokens: [{ token: V1, constraints: { devices: (d: { site_id: number }) => d.site_id === 1 } as never }],
    });
    const c = client(nb);
    const visible = nb.data.devices.all().find((d) => d.site_id === 1)!;
    const hidden = nb.data.devices.all().find((d) => d.site_id !== 1)!;
    expect((await c.get("devices", visible.id))?.id).toBe(visible.id);
    expect(await c.get("devices", hidden.id)).toBeNull();
    const { ids } = await collect(c.listAll("devices"));
    expect(ids).toEqual(
      nb.data.devices
        .all()
        .filter((d) => d.site_id === 1)
        .map((d) => d.id),
    );
  });
});

describe("get", () => {
  it("returns the object, or null on 404", async () => {
    const nb = await fake({ version: "4.2" });
    const c = client(nb);
    const dev = await c.get("devices", 3);
    expect(dev).toMatchObject({ id: 3, name: "dev-00003", url: `${nb.url}/api/dcim/devices/3/` });
    expect(dev).not.toHaveProperty("config_context");
    expect(await c.get("devices", 99_999)).toBeNull();
    expect(nb.requests.at(-1)!.status).toBe(404);
  });

  it("throws BAD_RESPONSE for a malformed single object", async () => {
    const nb = await fake({ version: "4.6" });
    nb.faults.transform(() => ({ id: 3 }), { path: "/api/dcim/devices/3/" });
    const e = await expectNetboxError(
      client(nb).get("devices", 3, { validate: requireFields("name", "site") }),
    );
    expect(e.code).toBe("BAD_RESPONSE");
    expect(e.message).toContain("missing field(s): name, site");
  });

  it("throws NOT_FOUND when the endpoint itself is unknown (HTML 404)", async () => {
    const nb = await fake({ version: "4.6" });
    const c = new NetboxClient({ url: `${nb.url}/prefix`, token: V1, retries: 0 });
    const e = await expectNetboxError(c.get("devices", 1));
    expect(e.code).toBe("NOT_FOUND");
  });
});

describe("objects changing between pages", () => {
  for (const version of ["4.2", "4.6"] as const) {
    it(`neither skips nor duplicates on ${version} when rows are deleted, renamed and added mid-scan`, async () => {
      const nb = await fake({ version, data: generateNetboxData({ devices: 40 }) });
      const original = nb.data.devices.all().map((d) => d.id);
      let added = 0;
      nb.onPageServed(({ kind, page }) => {
        if (kind !== "devices") return;
        if (page === 1) {
          // Deleting already-served rows shifts offset pages forward by one.
          nb.remove("devices", 2);
          nb.remove("devices", 3);
          // Renaming moves a row across name-ordered pages.
          nb.update("devices", 30, { name: "aaa-renamed" });
          added = nb.create("devices", { name: "dev-new", site_id: 1 }).id;
        }
      });
      const { ids } = await collect(client(nb).listAll("devices", { pageSize: 10 }));
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toEqual([...original, added]);
      expect(ids).toContain(30);
    });
  }

  it("the same mutations make naive offset paging skip rows (why the client does not use offsets)", async () => {
    const nb = await fake({ version: "4.2", data: generateNetboxData({ devices: 40 }) });
    nb.onPageServed(({ kind, page }) => {
      if (kind === "devices" && page === 1) {
        nb.remove("devices", 2);
        nb.remove("devices", 3);
      }
    });
    const seen: number[] = [];
    for (let offset = 0; ; offset += 10) {
      const res = await fetch(`${nb.url}/api/dcim/devices/?limit=10&offset=${offset}`, {
        headers: { Authorization: `Token ${V1}` },
      });
      const body = (await res.json()) as { results: { id: number }[]; next: string | null };
      seen.push(...body.results.map((r) => r.id));
      if (!body.next) break;
    }
    // Rows 11 and 12 slid onto the already-served first page.
    expect(seen).not.toContain(11);
    expect(seen).not.toContain(12);
    expect(seen).toHaveLength(38);
  });
});

describe("retries", () => {
  const retryLog = () => {
    const events: NetboxRetryEvent[] = [];
    return { events, onRetry: (e: NetboxRetryEvent) => void events.push(e) };
  };

  it("retries 5xx and then succeeds", async () => {
    const nb = await fake({ version: "4.6" });
    nb.faults.status(503, { path: "/api/dcim/sites/", times: 1 });
    nb.faults.status(502, { path: "/api/dcim/sites/", times: 1 });
    const log = retryLog();
    const { ids } = await collect(client(nb, { onRetry: log.onRetry }).listAll("sites"));
    expect(ids).toEqual([1, 2, 3]);
    expect(listRequests(nb, "/api/dcim/sites/").map((r) => r.status)).toEqual([503, 502, 200]);
    expect(log.events.map((e) => e.error.status)).toEqual([503, 502]);
    expect(log.events.every((e) => e.delayMs <= 20)).toBe(true);
  });

  it("honours Retry-After on 429", async () => {
    const nb = await fake({ version: "4.6" });
    nb.faults.rateLimit(1, { path: "/api/dcim/sites/", times: 1 });
    const log = retryLog();
    const started = Date.now();
    const { ids } = await collect(client(nb, { onRetry: log.onRetry }).listAll("sites"));
    expect(ids).toEqual([1, 2, 3]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(log.events).toHaveLength(1);
    expect(log.events[0]!.delayMs).toBe(1000);
    expect(log.events[0]!.error.message).toContain("429");
  });

  it("caps an excessive Retry-After", async () => {
    const nb = await fake({ version: "4.6" });
    nb.faults.rateLimit(3600, { path: "/api/dcim/sites/", times: 1 });
    const log = retryLog();
    await collect(
      client(nb, { onRetry: log.onRetry, backoff: { baseMs: 5, maxRetryAfterMs: 30 } }).listAll("sites"),
    );
    expect(log.events[0]!.delayMs).toBe(30);
  });

  it("retries a connection reset and then succeeds", async () => {
    const nb = await fake({ version: "4.2" });
    nb.faults.reset({ path: "/api/dcim/racks/", times: 2 });
    const log = retryLog();
    const { ids } = await collect(client(nb, { onRetry: log.onRetry }).listAll("racks"));
    expect(ids).toEqual(nb.data.racks.all().map((r) => r.id));
    expect(log.events).toHaveLength(2);
    expect(log.events[0]!.error.code).toBe("UNAVAILABLE");
    expect(log.events[0]!.error.message).toMatch(/connection failed/);
  });

  it("retries a timeout (server never answers) and then succeeds", async () => {
    const nb = await fake({ version: "4.6" });
    nb.faults.inject({ action: { type: "hang" }, path: "/api/tenancy/", times: 1 });
    const log = retryLog();
    const { ids } = await collect(client(nb, { timeoutMs: 150, onRetry: log.onRetry }).listAll("tenants"));
    expect(ids).toEqual([1, 2, 3]);
    expect(log.events[0]!.error.message).toBe("NetBox timed out after 150 ms");
  });

  it("retries a body cut off mid-stream", async () => {
    const nb = await fake({ version: "4.6" });
    nb.faults.truncate({ path: "/api/ipam/vlans/", times: 1 }, "connection");
    const { ids } = await collect(client(nb).listAll("vlans"));
    expect(ids).toEqual(nb.data.vlans.all().map((v) => v.id));
  });

  it("gives up with UNAVAILABLE on persistent 5xx", async () => {
    const nb = await fake({ version: "4.6" });
    nb.faults.status(500, { path: "/api/dcim/devices/" });
    const e = await expectNetboxError(collect(client(nb, { retries: 2 }).listAll("devices")));
    expect(e.code).toBe("UNAVAILABLE");
    expect(e.status).toBe(500);
    expect(e.attempts).toBe(3);
    expect(e.message).toBe("NetBox HTTP 500 (gave up after 3 attempts)");
    expect(listRequests(nb, "/api/dcim/devices/")).toHaveLength(3);
  });

  it("gives up with BAD_RESPONSE on persistently truncated JSON", async () => {
    const nb = await fake({ version: "4.2" });
    nb.faults.truncate({ path: "/api/ipam/prefixes/" });
    const e = await expectNetboxError(collect(client(nb, { retries: 2 }).listAll("prefixes")));
    expect(e.code).toBe("BAD_RESPONSE");
    expect(e.attempts).toBe(3);
    expect(e.message).toMatch(/^malformed JSON from NetBox/);
    expect(listRequests(nb, "/api/ipam/prefixes/")).toHaveLength(3);
  });

  it("does not retry a 400", async () => {
    const nb = await fake({ version: "4.6" });
    const e = await expectNetboxError(
      collect(client(nb).listAll("devices", { filters: { site_id: 99_999 } })),
    );
    expect(e.code).toBe("BAD_REQUEST");
    expect(e.body).toEqual({
      site_id: ["Select a valid choice. 99999 is not one of the available choices."],
    });
    expect(listRequests(nb, "/api/dcim/devices/")).toHaveLength(1);
  });
});

describe("malformed objects", () => {
  it("reports a malformed object in the page instead of throwing", async () => {
    const nb = await fake({ version: "4.6", data: generateNetboxData({ devices: 12 }) });
    nb.faults.transform(
      (body) => {
        const b = body as { results: Record<string, unknown>[] };
        b.results[1] = { id: "two", name: "broken" };
        delete b.results[2]!.site;
        return b;
      },
      { path: "/api/dcim/devices/", times: 1 },
    );
    const { ids, malformed } = await collect(
      client(nb).listAll("devices", { pageSize: 5, validate: requireFields("name", "site") }),
    );
    expect(malformed).toEqual([
      { reason: "missing or invalid id", raw: { id: "two", name: "broken" } },
      expect.objectContaining({ id: 3, reason: "missing field(s): site" }),
    ]);
    expect(ids).toEqual([1, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it("refuses a page that is not in id order instead of skipping rows", async () => {
    const nb = await fake({ version: "4.2" });
    nb.faults.transform(
      (body) => {
        const b = body as { results: unknown[] };
        b.results.reverse();
        return b;
      },
      { path: "/api/dcim/sites/" },
    );
    const e = await expectNetboxError(collect(client(nb).listAll("sites")));
    expect(e.code).toBe("BAD_RESPONSE");
    expect(e.message).toBe("sites page is not in ascending id order");
  });

  it("a throwing validator marks the object malformed", async () => {
    const nb = await fake({ version: "4.2" });
    const { ids, malformed } = await collect(
      client(nb).listAll("tenants", {
        validate: (o) => {
          if (o.id === 2) throw new Error("boom");
          return null;
        },
      }),
    );
    expect(ids).toEqual([1, 3]);
    expect(malformed).toEqual([expect.objectContaining({ id: 2, reason: "validator threw: boom" })]);
  });
});

describe("objectChanges", () => {
  for (const version of ["4.2", "4.6"] as const) {
    it(`pages the changelog by id after a cursor on ${version}`, async () => {
      const nb = await fake({ version });
      for (let i = 0; i < 7; i++) nb.update("devices", 1, { serial: `S${i}` });
      const created = nb.create("sites", { name: "NEW", slug: "new" });
      nb.remove("sites", created.id);
      const all = nb.changes.all().map((c) => c.id);
      expect(all).toHaveLength(9);
      const cursor = all[2]!;
      const { ids, pages } = await collect(client(nb).objectChanges({ idGt: cursor, pageSize: 3 }));
      expect(ids).toEqual(all.filter((id) => id > cursor));
      expect(pages.map((p) => p.objects.length)).toEqual(version === "4.6" ? [3, 3, 0] : [3, 3]);
      const q = new URLSearchParams(listRequests(nb, "/api/core/object-changes/")[0]!.query);
      if (version === "4.2") expect([q.get("id__gt"), q.get("ordering")]).toEqual([String(cursor), "id"]);
      else expect(q.get("start")).toBe(String(cursor + 1));
      const objects = pages.flatMap((p) => p.objects);
      const create = objects.find((o) => o.action.value === "create")!;
      expect(create).toMatchObject({
        changed_object_type: "dcim.site",
        changed_object: null,
        prechange_data: {},
      });
      expect(create.postchange_data).toMatchObject({ name: "NEW", slug: "new" });
      expect(objects.at(-1)!.postchange_data).toEqual({});
      expect("object_repr" in create).toBe(version === "4.6");
    });
  }

  it("filters by changed_object_type and reports malformed change records", async () => {
    const nb = await fake({ version: "4.6" });
    nb.update("devices", 1, { serial: "A" });
    nb.update("sites", 1, { facility: "B" });
    nb.update("devices", 2, { serial: "C" });
    nb.faults.transform(
      (body) => {
        const b = body as { results: Record<string, unknown>[] };
        b.results[0]!.action = { value: "mutate" };
        return b;
      },
      { path: "/api/core/object-changes/", times: 1 },
    );
    const { ids, malformed } = await collect(
      client(nb).objectChanges({ filters: { changed_object_type: "dcim.device" } }),
    );
    expect(malformed).toEqual([expect.objectContaining({ id: 1, reason: "invalid action" })]);
    expect(ids).toEqual([3]);
  });
});

describe("TLS", () => {
  it("connects to a self-signed NetBox only with rejectUnauthorized=false", async () => {
    const nb = await fake({ version: "4.6", tls: { key: TEST_TLS_KEY, cert: TEST_TLS_CERT } });
    expect(nb.url).toMatch(/^https:/);
    const strict = client(nb);
    const e = await expectNetboxError(strict.status());
    expect(e.code).toBe("UNAVAILABLE");
    expect(e.message).toMatch(/TLS verification/);
    expect(nb.requests).toHaveLength(0);

    const lax = client(nb, { tls: { rejectUnauthorized: false } });
    expect((await lax.status()).apiVersion).toBe("4.6");
    await lax.close();

    const withCa = client(nb, { tls: { ca: TEST_TLS_CERT } });
    expect((await withCa.status()).apiVersion).toBe("4.6");
    await withCa.close();
  });
});
