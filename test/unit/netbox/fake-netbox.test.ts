// Conformance of the fake NetBox with README.md, "The NetBox contract", over real HTTP.
import { createHmac, timingSafeEqual } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

import { describe, expect, it } from "@jest/globals";

import {
  FAKE_KINDS,
  generateNetboxData,
  KIND_INFO,
  signWebhook,
  makeV1Token,
  makeV2Token,
  startFakeNetbox,
  type FakeNetbox,
} from "../../fakes/netbox/index.js";
import { useFakeNetbox, V1, V2 } from "../../support/fake-netbox.js";

const fake = useFakeNetbox();

type Json = Record<string, unknown>;
interface Res {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

async function get(
  nb: FakeNetbox,
  path: string,
  init: { auth?: string | null; headers?: Record<string, string>; method?: string; body?: unknown } = {},
): Promise<Res> {
  const headers: Record<string, string> = { ...init.headers };
  const auth = init.auth === undefined ? `Token ${V1}` : init.auth;
  if (auth !== null) headers.Authorization = auth;
  if (init.body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(`${nb.url}${path}`, {
    method: init.method ?? "GET",
    headers,
    redirect: "manual",
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

const page = (r: Res) =>
  r.json as { count: number | null; next: string | null; previous: string | null; results: Json[] };
const ids = (r: Res) => page(r).results.map((o) => o.id as number);

describe("routing and headers", () => {
  it("sends X-Request-ID and API-Version; ETag only on 4.6 detail responses", async () => {
    const nb46 = await fake({ version: "4.6" });
    const detail = await get(nb46, "/api/dcim/sites/1/");
    expect(detail.status).toBe(200);
    expect(detail.headers.get("API-Version")).toBe("4.6");
    expect(detail.headers.get("X-Request-ID")).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    const lastUpdated = (detail.json as Json).last_updated as string;
    expect(detail.headers.get("ETag")).toBe(`W/"${lastUpdated.replace("Z", "+00:00")}"`);
    expect((await get(nb46, "/api/dcim/sites/")).headers.get("ETag")).toBeNull();

    const nb42 = await fake({ version: "4.2" });
    const d42 = await get(nb42, "/api/dcim/sites/1/");
    expect(d42.headers.get("API-Version")).toBe("4.2");
    expect(d42.headers.get("ETag")).toBeNull();
  });

  it("redirects a GET without trailing slash; 4.6 answers unsafe methods without it with 404", async () => {
    const nb = await fake({ version: "4.6" });
    const r = await get(nb, "/api/dcim/sites?limit=2");
    expect(r.status).toBe(301);
    expect(r.headers.get("Location")).toBe("/api/dcim/sites/?limit=2");
    expect((await get(nb, "/api/dcim/sites", { method: "POST", body: {} })).status).toBe(404);
    const nb42 = await fake({ version: "4.2" });
    expect((await get(nb42, "/api/dcim/sites", { method: "POST", body: {} })).status).toBe(301);
  });

  it("serves Django's HTML 404 for unknown API routes", async () => {
    const nb = await fake();
    const r = await get(nb, "/api/dcim/nonsense/");
    expect(r.status).toBe(404);
    expect(r.headers.get("Content-Type")).toContain("text/html");
    expect(r.json).toBeUndefined();
    expect((await get(nb, "/api/dcim/sites/1/extra/")).status).toBe(404);
  });

  it("answers 406 to a pinned Accept version other than the running one", async () => {
    const nb = await fake({ version: "4.6" });
    const bad = await get(nb, "/api/dcim/sites/", { headers: { Accept: "application/json; version=4.5" } });
    expect(bad.status).toBe(406);
    expect(bad.json).toEqual({ detail: 'Invalid version in "Accept" header.' });
    expect(
      (await get(nb, "/api/dcim/sites/", { headers: { Accept: "application/json; version=4.6" } })).status,
    ).toBe(200);
  });

  it("serves every mirrored kind at its NetBox path", async () => {
    const nb = await fake({ version: "4.6" });
    for (const kind of FAKE_KINDS) {
      const r = await get(nb, `/api/${KIND_INFO[kind].path}/?limit=1000`);
      expect({ kind, count: page(r).count }).toEqual({ kind, count: nb.data.table(kind).size });
    }
  });
});

describe("authentication (403, never 401)", () => {
  it.each([
    ["4.6", null, "Authentication credentials were not provided."],
    ["4.6", "Basic dXNlcjpwYXNz", "Authentication credentials were not provided."],
    ["4.6", `Token ${"a".repeat(40)}`, "Invalid v1 token"],
    ["4.6", `Bearer ${makeV2Token()}`, "Invalid v2 token"],
    [
      "4.6",
      "Bearer nbt_abcdefghijkl",
      "Invalid authorization header: Could not parse key from v2 token. Did you mean to use 'Token' instead of 'Bearer'?",
    ],
    [
      "4.6",
      "Token a b",
      'Invalid authorization header: Must be in the form "Bearer <key>.<token>" or "Token <token>"',
    ],
    ["4.2", null, "Authentication credentials were not provided."],
    ["4.2", `Token ${"a".repeat(40)}`, "Invalid token"],
    // Before 4.5 only the Token keyword exists, so Bearer is another scheme and the request is anonymous.
    ["4.2", `Bearer ${V1}`, "Authentication credentials were not provided."],
    ["4.2", "Token", "Invalid token header. No credentials provided."],
  ] as const)("%s with %s → 403 %s", async (version, auth, message) => {
    const nb = await fake({ version });
    const r = await get(nb, "/api/dcim/sites/", { auth });
    expect(r.status).toBe(403);
    expect(r.json).toEqual({ detail: message });
  });

  it("on 4.6 the nbt_ prefix, not the keyword, decides the token version", async () => {
    const nb = await fake({ version: "4.6" });
    expect((await get(nb, "/api/status/", { auth: `Bearer ${V1}` })).status).toBe(200);
    expect((await get(nb, "/api/status/", { auth: `token ${V2}` })).status).toBe(200);
    expect((await get(nb, "/api/status/", { auth: `BEARER ${V2}` })).status).toBe(200);
  });

  it("reports disabled, expired, inactive and IP-restricted tokens", async () => {
    const t = () => makeV1Token();
    const [disabled, expired, inactive, ipBound, ipOk] = [t(), t(), t(), t(), t()];
    const nb = await fake({
      version: "4.6",
      tokens: [
        { token: disabled, enabled: false },
        { token: expired, expires: "2020-01-01T00:00:00Z" },
        { token: inactive, userActive: false },
        { token: ipBound, allowedIps: ["10.0.0.0/8"] },
        { token: ipOk, allowedIps: ["127.0.0.0/8"] },
      ],
    });
    const detail = async (tok: string) => (await get(nb, "/api/status/", { auth: `Token ${tok}` })).json;
    expect(await detail(disabled)).toEqual({ detail: "Token disabled" });
    expect(await detail(expired)).toEqual({ detail: "Token expired" });
    expect(await detail(inactive)).toEqual({ detail: "User inactive" });
    expect(await detail(ipBound)).toEqual({
      detail: "Source IP 127.0.0.1 is not permitted to authenticate using this token.",
    });
    expect(await detail(ipOk)).toMatchObject({ "netbox-version": "4.6.8" });
  });

  it("refuses v2 tokens in a 4.2 configuration and non-hex v1 tokens before 4.5", async () => {
    await expect(startFakeNetbox({ version: "4.2", tokens: [V2] })).rejects.toThrow(/4\.5\+/);
    await expect(startFakeNetbox({ version: "4.2", tokens: ["A".repeat(40)] })).rejects.toThrow(
      /malformed v1/,
    );
  });

  it("authentication-check exists from 4.5", async () => {
    const nb46 = await fake({ version: "4.6", tokens: [{ token: V1, username: "sync" }] });
    expect((await get(nb46, "/api/authentication-check/")).json).toMatchObject({ username: "sync" });
    const nb42 = await fake({ version: "4.2" });
    expect((await get(nb42, "/api/authentication-check/")).status).toBe(404);
  });
});

describe("permissions", () => {
  it("403 without the model permission, hidden rows missing from lists and 404 on detail", async () => {
    const nb = await fake({
      version: "4.6",
      tokens: [
        {
          token: V1,
          permissions: ["devices"],
          constraints: { devices: (d: { id: number }) => d.id <= 3 } as never,
        },
      ],
    });
    expect(await get(nb, "/api/dcim/sites/")).toMatchObject({
      status: 403,
      json: { detail: "You do not have permission to perform this action." },
    });
    expect((await get(nb, "/api/core/object-changes/")).status).toBe(403);
    const list = await get(nb, "/api/dcim/devices/");
    expect(ids(list)).toEqual([1, 2, 3]);
    expect(page(list).count).toBe(3);
    expect(await get(nb, "/api/dcim/devices/4/")).toMatchObject({
      status: 404,
      json: { detail: "No Device matches the given query." },
    });
    expect((await get(nb, "/api/dcim/devices/abc/")).json).toEqual({
      detail: "No Device matches the given query.",
    });
  });

  it("rejects writes with a read-only token; records changes for writes with the request id", async () => {
    const ro = makeV1Token();
    const nb = await fake({
      version: "4.6",
      tokens: [
        { token: ro, writeEnabled: false },
        { token: V1, username: "writer" },
      ],
    });
    const denied = await get(nb, "/api/dcim/sites/1/", {
      auth: `Token ${ro}`,
      method: "PATCH",
      body: { facility: "X" },
    });
    expect(denied).toMatchObject({
      status: 403,
      json: { detail: "You do not have permission to perform this action." },
    });
    expect(nb.changes.size).toBe(0);

    const ok = await get(nb, "/api/dcim/sites/1/", { method: "PATCH", body: { facility: "X", tenant: 2 } });
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ facility: "X", tenant: { id: 2 } });
    const change = nb.changes.all().at(-1)!;
    expect(change).toMatchObject({
      action: "update",
      user_name: "writer",
      request_id: ok.headers.get("X-Request-ID"),
    });

    const stale = await get(nb, "/api/dcim/sites/1/", {
      method: "PATCH",
      body: { facility: "Y" },
      headers: { "If-Match": 'W/"2001-01-01T00:00:00+00:00"' },
    });
    expect(stale.status).toBe(412);
    const fresh = await get(nb, "/api/dcim/sites/1/", {
      method: "PATCH",
      body: { facility: "Y" },
      headers: { "If-Match": ok.headers.get("ETag")! },
    });
    expect(fresh.status).toBe(200);

    const created = await get(nb, "/api/tenancy/tenants/", {
      method: "POST",
      body: { name: "T", slug: "t" },
    });
    expect(created.status).toBe(201);
    const missing = await get(nb, "/api/tenancy/tenants/", { method: "POST", body: { name: "T" } });
    expect(missing).toMatchObject({ status: 400, json: { slug: ["This field is required."] } });
    const del = await get(nb, `/api/tenancy/tenants/${(created.json as Json).id}/`, { method: "DELETE" });
    expect(del.status).toBe(204);
    expect(nb.changes.all().map((c) => c.action)).toEqual(["update", "update", "create", "delete"]);
  });
});

describe("pagination", () => {
  const many = () => generateNetboxData({ devices: 10, interfaces: 1205 });

  it("defaults to 50, caps at 1000, limit=0 means 1000, bad values fall back silently", async () => {
    const nb = await fake({ data: many() });
    const len = async (q: string) => page(await get(nb, `/api/dcim/interfaces/${q}`)).results.length;
    expect(await len("")).toBe(50);
    expect(await len("?limit=5000")).toBe(1000);
    expect(await len("?limit=0")).toBe(1000);
    expect(await len("?limit=abc")).toBe(50);
    expect(await len("?limit=-3")).toBe(50);
    expect(await len("?limit=7&offset=-4")).toBe(7);
    expect(await len("?offset=5000")).toBe(0);
  });

  it("builds absolute next/previous links with sorted parameters", async () => {
    const nb = await fake({ data: many() });
    const r = page(await get(nb, "/api/dcim/interfaces/?offset=20&limit=10&device_id=1&brief=1"));
    expect(r.count).toBe(121);
    expect(r.next).toBe(`${nb.url}/api/dcim/interfaces/?brief=1&device_id=1&limit=10&offset=30`);
    expect(r.previous).toBe(`${nb.url}/api/dcim/interfaces/?brief=1&device_id=1&limit=10&offset=10`);
    const second = page(await get(nb, "/api/dcim/interfaces/?limit=10&offset=10"));
    expect(second.previous).toBe(`${nb.url}/api/dcim/interfaces/?limit=10`);
    const last = page(await get(nb, "/api/dcim/interfaces/?limit=10&offset=1200"));
    expect(last.next).toBeNull();
    expect(page(await get(nb, "/api/dcim/interfaces/")).previous).toBeNull();
    // Behind a proxy the links follow X-Forwarded-Host/Proto.
    const proxied = page(
      await get(nb, "/api/dcim/interfaces/", {
        headers: { "X-Forwarded-Host": "nb.example.com", "X-Forwarded-Proto": "https" },
      }),
    );
    expect(proxied.next).toBe("https://nb.example.com/api/dcim/interfaces/?limit=50&offset=50");
  });

  it("4.6 cursor mode: pk >= start, count null, no previous, next start=last+1", async () => {
    const nb = await fake({ version: "4.6", data: many() });
    const r = await get(nb, "/api/dcim/interfaces/?start=100&limit=5&device_id=3");
    const body = page(r);
    expect(body.count).toBeNull();
    expect(body.previous).toBeNull();
    expect(ids(r)).toEqual([103, 113, 123, 133, 143]);
    expect(body.next).toBe(`${nb.url}/api/dcim/interfaces/?device_id=3&limit=5&start=144`);
    const end = page(await get(nb, "/api/dcim/interfaces/?start=1200&limit=10"));
    expect(end.results.map((o) => o.id)).toEqual([1200, 1201, 1202, 1203, 1204, 1205]);
    expect(end.next).toBeNull();
  });

  it.each([
    ["start=1&offset=5", ["'start' and 'offset' are mutually exclusive."]],
    ["start=1&ordering=name", ["'start' and 'ordering' are mutually exclusive."]],
    ["start=-1", ["'start' must be a non-negative integer."]],
    ["start=abc", ["'start' must be a non-negative integer."]],
  ])("4.6 cursor mode rejects %s with a bare-array 400", async (query, body) => {
    const nb = await fake({ version: "4.6" });
    expect(await get(nb, `/api/dcim/devices/?${query}`)).toMatchObject({ status: 400, json: body });
  });

  it("4.2 has no cursor mode: start is an unknown parameter and ignored", async () => {
    const nb = await fake({ version: "4.2", data: many() });
    const body = page(await get(nb, "/api/dcim/interfaces/?start=1000&offset=0&limit=3"));
    expect(body.count).toBe(1205);
  });
});

describe("field selection and ordering", () => {
  const keys = (o: unknown) => Object.keys(o as Json).sort();

  it("brief returns exactly the brief_fields", async () => {
    const nb = await fake({ version: "4.6" });
    const first = async (path: string) => page(await get(nb, `${path}?brief=1&limit=1`)).results[0];
    expect(keys(await first("/api/dcim/devices/"))).toEqual(["description", "display", "id", "name", "url"]);
    expect(keys(await first("/api/dcim/interfaces/"))).toEqual([
      "_occupied",
      "cable",
      "description",
      "device",
      "display",
      "id",
      "name",
      "url",
    ]);
    expect(keys(await first("/api/ipam/prefixes/"))).toEqual([
      "_depth",
      "description",
      "display",
      "family",
      "id",
      "prefix",
      "url",
    ]);
    expect(keys(await first("/api/dcim/sites/"))).toEqual([
      "description",
      "display",
      "id",
      "name",
      "slug",
      "url",
    ]);
    // Any non-empty value turns brief on, even "false".
    expect(keys(page(await get(nb, "/api/dcim/devices/?brief=false&limit=1")).results[0])).toHaveLength(5);
  });

  it("fields picks top-level names (unknown dropped), wins over brief; omit (4.5+) removes", async () => {
    const nb = await fake({ version: "4.6" });
    const r = page(await get(nb, "/api/dcim/devices/?fields=id,name,bogus,site.name&brief=1&limit=1"))
      .results[0];
    expect(keys(r)).toEqual(["id", "name"]);
    const omitted = page(await get(nb, "/api/dcim/devices/?omit=config_context,site&limit=1")).results[0]!;
    expect(omitted).not.toHaveProperty("site");
    expect(omitted).toHaveProperty("rack");
    const nb42 = await fake({ version: "4.2" });
    expect(page(await get(nb42, "/api/dcim/devices/?omit=site&limit=1")).results[0]).toHaveProperty("site");
  });

  it("exclude=config_context removes the key on devices and VMs", async () => {
    const nb = await fake({ version: "4.6" });
    expect(page(await get(nb, "/api/dcim/devices/?limit=1")).results[0]).toHaveProperty("config_context", {
      ntp: ["192.0.2.1"],
    });
    expect(
      page(await get(nb, "/api/dcim/devices/?exclude=config_context&limit=1")).results[0],
    ).not.toHaveProperty("config_context");
    expect(
      page(await get(nb, "/api/virtualization/virtual-machines/?exclude=config_context&limit=1")).results[0],
    ).not.toHaveProperty("config_context");
  });

  it("orders by model default, by valid ordering keys, and ignores invalid ones", async () => {
    const nb = await fake({ version: "4.6" });
    nb.update("sites", 1, { name: "ZZZ" });
    expect(ids(await get(nb, "/api/dcim/sites/"))).toEqual([2, 3, 1]);
    expect(ids(await get(nb, "/api/dcim/sites/?ordering=-id"))).toEqual([3, 2, 1]);
    expect(ids(await get(nb, "/api/dcim/sites/?ordering=bogus"))).toEqual([2, 3, 1]);
    expect(ids(await get(nb, "/api/dcim/sites/?ordering=bogus,id"))).toEqual([1, 2, 3]);
    const devs = await get(nb, "/api/dcim/devices/?ordering=site,-id&limit=1000");
    const rows = page(devs).results.map((d) => [(d.site as Json).id as number, d.id as number]);
    expect(rows).toEqual([...rows].sort((a, b) => a[0]! - b[0]! || b[1]! - a[1]!));
  });
});

describe("filters", () => {
  it("ignores unknown parameters silently (the unfiltered list comes back)", async () => {
    const nb = await fake({ version: "4.6" });
    const all = page(await get(nb, "/api/dcim/devices/")).count;
    expect(page(await get(nb, "/api/dcim/devices/?bogus_filter=1&device__name=x")).count).toBe(all);
    expect(all).toBe(12);
  });

  it("supports id lookups, multi-value OR, negation and FK filters", async () => {
    const nb = await fake({ version: "4.2" });
    expect(ids(await get(nb, "/api/dcim/devices/?id__gt=9&ordering=id"))).toEqual([10, 11, 12]);
    expect(ids(await get(nb, "/api/dcim/devices/?id__lte=2&ordering=id"))).toEqual([1, 2]);
    expect(ids(await get(nb, "/api/dcim/devices/?id=3&id=5&ordering=id"))).toEqual([3, 5]);
    expect(ids(await get(nb, "/api/dcim/devices/?id__n=1&id__lt=4&ordering=id"))).toEqual([2, 3]);
    const bySite = ids(await get(nb, "/api/dcim/devices/?site_id=1&site_id=2&ordering=id"));
    expect(bySite).toEqual(
      nb.data.devices
        .all()
        .filter((d) => d.site_id !== 3)
        .map((d) => d.id),
    );
    expect(ids(await get(nb, "/api/dcim/devices/?tenant_id=null&ordering=id"))).toEqual(
      nb.data.devices
        .all()
        .filter((d) => d.tenant_id === null)
        .map((d) => d.id),
    );
    expect(ids(await get(nb, "/api/dcim/interfaces/?device_id=2&ordering=id"))).toEqual([2, 14, 26, 38]);
    expect(page(await get(nb, "/api/dcim/devices/?name__ic=DEV-0000")).count).toBe(9);
  });

  it.each([
    ["site_id=99999", { site_id: ["Select a valid choice. 99999 is not one of the available choices."] }],
    ["status=bogus", { status: ["Select a valid choice. bogus is not one of the available choices."] }],
    ["id__gt=abc", { id__gt: ["Enter a number."] }],
    ["last_updated__gte=yesterday", { last_updated__gte: ["Enter a valid date/time."] }],
    // An unencoded + turns into a space.
    ["last_updated__gte=2026-03-14T09:26:53+00:00", { last_updated__gte: ["Enter a valid date/time."] }],
  ])("a bad value for a known filter (%s) is a 400 field map", async (query, body) => {
    const nb = await fake({ version: "4.6" });
    expect(await get(nb, `/api/dcim/devices/?${query}`)).toMatchObject({ status: 400, json: body });
  });

  it("filters datetimes in the formats Django accepts", async () => {
    const nb = await fake({ version: "4.6" });
    nb.update("devices", 5, { serial: "changed" }, { time: "2030-01-01T00:00:00.000001Z" });
    for (const v of [
      "2030-01-01T00:00:00Z",
      "2030-01-01%2000:00:00.000001",
      "2030-01-01",
      "2030-01-01T01:00:00%2B01:00",
    ]) {
      expect({ v, ids: ids(await get(nb, `/api/dcim/devices/?last_updated__gte=${v}`)) }).toEqual({
        v,
        ids: [5],
      });
    }
  });
});

describe("serialization", () => {
  it("renders choices, nested shapes, custom fields, decimals and datetimes (NetBox contract §5)", async () => {
    const nb = await fake({ version: "4.6" });
    nb.update("devices", 1, { custom_fields: { support_contract: "SC" }, platform_id: null });
    const d = (await get(nb, "/api/dcim/devices/1/")).json as Json;
    expect(d).toMatchObject({
      id: 1,
      url: `${nb.url}/api/dcim/devices/1/`,
      display_url: `${nb.url}/dcim/devices/1/`,
      display: "dev-00001",
      status: { value: "active", label: "Active" },
      platform: null,
      custom_fields: { support_contract: "SC" },
      owner: null,
      position: 1,
    });
    expect(Object.keys(d.site as Json).sort()).toEqual([
      "description",
      "display",
      "id",
      "name",
      "slug",
      "url",
    ]);
    expect((d.role as Json)._depth).toBe(0);
    expect((d.role as Json).device_count).toBe(0);
    expect((d.device_type as Json).device_count).toBe(
      nb.data.devices.all().filter((x) => x.device_type_id === 1).length,
    );
    expect(d.primary_ip4).toEqual({
      id: 1,
      url: `${nb.url}/api/ipam/ip-addresses/1/`,
      display: "100.64.0.1/24",
      family: { value: 4, label: "IPv4" },
      address: "100.64.0.1/24",
      nat_inside: null,
      nat_outside: [],
      dns_name: "dev-00001.example.net",
      description: "",
    });
    expect(d.created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    const iface = (await get(nb, "/api/dcim/interfaces/1/")).json as Json;
    expect(iface.mode).toBeNull();
    expect(iface.count_ipaddresses).toBe(1);
    const site = (await get(nb, "/api/dcim/sites/1/")).json as Json;
    expect(typeof site.latitude).toBe("number");
    expect(site.region).toMatchObject({ site_count: 0, _depth: 1 });
    expect(site.device_count).toBe(nb.data.devices.all().filter((x) => x.site_id === 1).length);
    const tenant = (await get(nb, "/api/tenancy/tenants/1/")).json as Json;
    expect(tenant.custom_fields).toEqual({ crm_id: "C-1001" });
    const vm = (await get(nb, "/api/virtualization/virtual-machines/1/")).json as Json;
    expect(vm).toMatchObject({ virtual_machine_type: null, vcpus: 2, memory: 4096 });
    const prefix = (await get(nb, "/api/ipam/prefixes/1/")).json as Json;
    expect(prefix).toMatchObject({ scope_type: "dcim.site", scope_id: 1, scope: { id: 1 } });
  });

  it("drops 4.5/4.6 additions on 4.2", async () => {
    const nb = await fake({ version: "4.2" });
    const d = (await get(nb, "/api/dcim/devices/1/")).json as Json;
    expect(d).not.toHaveProperty("owner");
    expect(Object.keys(d.primary_ip4 as Json).sort()).toEqual([
      "address",
      "description",
      "display",
      "family",
      "id",
      "url",
    ]);
    expect((await get(nb, "/api/dcim/racks/1/")).json).not.toHaveProperty("group");
    expect((await get(nb, "/api/virtualization/virtual-machines/1/")).json).not.toHaveProperty(
      "virtual_machine_type",
    );
  });

  it("reports /api/status/ in each version's shape", async () => {
    const s46 = (await get(await fake({ version: "4.6" }), "/api/status/")).json as Json;
    expect(s46).toMatchObject({
      "netbox-version": "4.6.8",
      "netbox-full-version": "4.6.8",
      hostname: "netbox-01",
    });
    expect(s46).toHaveProperty("installed_apps");
    const s42 = (await get(await fake({ version: "4.2" }), "/api/status/")).json as Json;
    expect(s42).toHaveProperty("installed-apps");
    expect(s42).not.toHaveProperty("hostname");
    expect(s42).not.toHaveProperty("netbox-full-version");
  });
});

describe("object changes", () => {
  it("serves changes with clean data, {} for the missing side, changed_object null after delete", async () => {
    const nb = await fake({ version: "4.6" });
    const site = nb.create("sites", { name: "NEW", slug: "new", latitude: 1.5 });
    nb.update("sites", site.id, { status: "planned" });
    nb.update("sites", site.id, { status: "planned" });
    nb.remove("sites", site.id);
    const r = page(await get(nb, "/api/core/object-changes/"));
    // The no-op save left no record; default ordering is -time.
    expect(r.results.map((c) => (c.action as Json).value)).toEqual(["delete", "update", "create"]);
    const [del, upd, cre] = r.results as [Json, Json, Json];
    expect(cre.prechange_data).toEqual({});
    expect(cre.postchange_data).toMatchObject({
      name: "NEW",
      status: "active",
      latitude: "1.500000",
      tenant: null,
      tags: [],
    });
    expect(cre.postchange_data).not.toHaveProperty("created");
    expect(cre.postchange_data).not.toHaveProperty("last_updated");
    expect((upd.prechange_data as Json).status).toBe("active");
    expect((upd.postchange_data as Json).status).toBe("planned");
    expect(del.postchange_data).toEqual({});
    expect(del.changed_object).toBeNull();
    expect(upd).toMatchObject({
      changed_object_type: "dcim.site",
      changed_object_id: site.id,
      object_repr: "NEW",
      message: "",
      display: "DCIM | site NEW updated by admin",
    });
  });

  it("filters by id__gt, time_after and type; time__gte is not a filter", async () => {
    const nb = await fake({ version: "4.2" });
    nb.update("devices", 1, { serial: "a" }, { time: "2026-01-01T00:00:00.000000Z" });
    nb.update("sites", 1, { facility: "b" }, { time: "2026-02-01T00:00:00.000000Z" });
    nb.update("devices", 2, { serial: "c" }, { time: "2026-03-01T00:00:00.000000Z" });
    expect(ids(await get(nb, "/api/core/object-changes/?id__gt=1&ordering=id"))).toEqual([2, 3]);
    expect(
      ids(await get(nb, "/api/core/object-changes/?time_after=2026-01-15T00:00:00Z&ordering=id")),
    ).toEqual([2, 3]);
    expect(
      ids(await get(nb, "/api/core/object-changes/?time__gte=2026-01-15T00:00:00Z&ordering=id")),
    ).toEqual([1, 2, 3]);
    expect(
      ids(await get(nb, "/api/core/object-changes/?changed_object_type=dcim.device&ordering=id")),
    ).toEqual([1, 3]);
    const first = page(await get(nb, "/api/core/object-changes/?ordering=id")).results[0]!;
    expect(first).not.toHaveProperty("object_repr");
    expect(first).not.toHaveProperty("message");
  });

  it("prunes changes older than the retention", async () => {
    const nb = await fake();
    nb.update(
      "devices",
      1,
      { serial: "old" },
      { time: new Date(Date.now() - 91 * 86_400_000).toISOString() },
    );
    nb.update("devices", 1, { serial: "new" });
    expect(nb.changes.prune()).toBe(1);
    expect(nb.changes.all().map((c) => c.id)).toEqual([2]);
  });
});

describe("webhooks", () => {
  async function receiver() {
    const got: { headers: http.IncomingHttpHeaders; raw: Buffer }[] = [];
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        got.push({ headers: req.headers, raw: Buffer.concat(chunks) });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    return { got, url, close: () => new Promise<void>((r) => server.close(() => r())) };
  }

  it("signs the raw body with HMAC-SHA512 so receivers can verify it", async () => {
    const nb = await fake({ version: "4.6" });
    const rx = await receiver();
    try {
      const delivery = await nb.emitWebhook(rx.url, "s3cret", {
        event: "updated",
        kind: "devices",
        id: 1,
        username: "sync-admin",
      });
      expect(delivery.status).toBe(204);
      const [{ headers, raw }] = rx.got as [{ headers: http.IncomingHttpHeaders; raw: Buffer }];
      expect(headers["content-type"]).toBe("application/json");
      const expected = createHmac("sha512", "s3cret").update(raw).digest();
      const given = Buffer.from(headers["x-hook-signature"] as string, "hex");
      expect(given.length).toBe(64);
      expect(timingSafeEqual(given, expected)).toBe(true);
      const tampered = Buffer.from(raw.toString().replace("sync-admin", "intruder"));
      expect(timingSafeEqual(given, createHmac("sha512", "s3cret").update(tampered).digest())).toBe(false);
      expect(signWebhook("s3cret", raw)).toBe(headers["x-hook-signature"]);

      const body = JSON.parse(raw.toString()) as Json;
      expect(body).toMatchObject({
        event: "updated",
        object_type: "dcim.device",
        username: "sync-admin",
        request: { method: "PATCH", path: "/api/dcim/devices/1/", user: "sync-admin" },
      });
      expect(body).not.toHaveProperty("model");
      expect(body.timestamp).toMatch(/\.\d{6}\+00:00$/);
      expect(body.data).toMatchObject({
        id: 1,
        url: "/api/dcim/devices/1/",
        display_url: "/dcim/devices/1/",
      });
      expect((body.snapshots as Json).postchange).toMatchObject({ name: "dev-00001", site: 1 });
      expect(((body.snapshots as Json).postchange as Json).created).toMatch(/\.\d{3}Z$/);

      await nb.emitWebhook(rx.url, null, { event: "created", kind: "sites", id: 1 });
      expect(rx.got[1]!.headers).not.toHaveProperty("x-hook-signature");
    } finally {
      await rx.close();
    }
  });

  it("uses the 4.2 body shape (model, no object_type or request)", async () => {
    const nb = await fake({ version: "4.2" });
    const row = nb.remove("sites", 2)!;
    const body = nb.webhookBody({ event: "deleted", kind: "sites", id: 2, row });
    expect(body).toMatchObject({ event: "deleted", model: "site", snapshots: { postchange: null } });
    expect(body).not.toHaveProperty("object_type");
    expect(body).not.toHaveProperty("request");
    expect((body.snapshots as Json).prechange).toMatchObject({ name: "SITE002" });
  });
});

describe("faults and hooks", () => {
  it("applies rules with skip/times in order, and latency stacks", async () => {
    const nb = await fake();
    const h = nb.faults.status(502, { path: "/api/dcim/", skip: 1, times: 2 });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await get(nb, "/api/dcim/sites/")).status);
    expect(statuses).toEqual([200, 502, 502, 200]);
    expect(h.hits).toBe(2);
    expect((await get(nb, "/api/ipam/vlans/")).status).toBe(200);
    nb.faults.latency(120, { times: 1 });
    const t = Date.now();
    await get(nb, "/api/status/");
    expect(Date.now() - t).toBeGreaterThanOrEqual(110);
  });

  it("truncates JSON consistently (valid HTTP, invalid body)", async () => {
    const nb = await fake();
    nb.faults.truncate({ times: 1 });
    const r = await get(nb, "/api/dcim/sites/");
    expect(r.status).toBe(200);
    expect(r.json).toBeUndefined();
    expect(r.text.length).toBeGreaterThan(10);
  });

  it("runs page hooks after a list page is served and before the next request", async () => {
    const nb = await fake();
    const seen: string[] = [];
    nb.onPageServed(async ({ kind, page: n, ids: served }) => {
      await new Promise((r) => setTimeout(r, 20));
      seen.push(`${kind}#${n}:${served.join(",")}`);
      if (n === 1) nb.remove("sites", 3);
    });
    await get(nb, "/api/dcim/sites/?limit=2&ordering=id");
    const second = await get(nb, "/api/dcim/sites/?limit=2&offset=2&ordering=id");
    expect(page(second).count).toBe(2);
    // The slow hook of page 2 finishes before any further request is handled.
    await get(nb, "/api/status/");
    expect(seen).toEqual(["sites#1:1,2", "sites#2:"]);
  });
});

describe("generator", () => {
  it("builds the benchmark-size data set quickly with every foreign key resolving, and serves deep pages fast", async () => {
    const started = Date.now();
    const data = generateNetboxData({
      sites: 200,
      devices: 10_000,
      interfaces: 100_000,
      ipAddresses: 50_000,
      vms: 2_000,
      racks: 400,
      vlans: 2_000,
      prefixes: 400,
      clusters: 20,
      tenants: 50,
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect([
      data.sites.size,
      data.devices.size,
      data.interfaces.size,
      data["ip-addresses"].size,
      data["virtual-machines"].size,
    ]).toEqual([200, 10_000, 100_000, 50_000, 2_000]);
    for (const d of data.devices.all()) {
      if (
        !data.sites.get(d.site_id) ||
        (d.rack_id !== null && data.racks.get(d.rack_id)?.site_id !== d.site_id)
      )
        throw new Error(`device ${d.id}`);
      if (d.primary_ip4_id !== null) {
        const ip = data["ip-addresses"].get(d.primary_ip4_id)!;
        if (data.interfaces.get(ip.assigned_object_id!)?.device_id !== d.id)
          throw new Error(`primary ip of ${d.id}`);
      }
    }
    expect(data.interfaces.all().every((i) => data.devices.get(i.device_id) !== undefined)).toBe(true);
    expect(new Set(data["ip-addresses"].all().map((i) => i.address)).size).toBe(50_000);

    const nb = await fake({ version: "4.6", data });
    await get(nb, "/api/dcim/interfaces/?start=1&limit=1000");
    const t = Date.now();
    const deep = await get(nb, "/api/dcim/interfaces/?start=98001&limit=1000");
    const keyset = await get(nb, "/api/dcim/interfaces/?id__gt=98000&ordering=id&limit=1000");
    expect(Date.now() - t).toBeLessThan(1_500);
    expect(ids(deep)).toEqual(ids(keyset));
    expect(ids(deep)[0]).toBe(98_001);
    expect(page(keyset).count).toBe(2_000);
  }, 20_000);
});
