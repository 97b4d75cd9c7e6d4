import { describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import { NETBOX_KINDS } from "../../../src/netbox/kinds.js";
import { extractMirrorRow, isInet } from "../../../src/netbox/mirror-row.js";

const site = { id: 3, url: "https://nb/api/dcim/sites/3/", display: "FRA1", name: "FRA1", slug: "fra1" };
const tenant = { id: 7, name: "Acme Hosting", slug: "acme-hosting" };
const base = { last_updated: "2026-03-14T09:26:53.123456Z", custom_fields: { cmdb: "x" }, tags: [] };

describe("extractMirrorRow", () => {
  it("takes a device's typed columns from the REST shape", () => {
    const x = extractMirrorRow("devices", {
      ...base,
      id: 101,
      display: "fra1-edge-01",
      name: "fra1-edge-01",
      site,
      rack: { id: 12, name: "R101" },
      cluster: null,
      tenant,
      role: { id: 6, slug: "edge-router" },
      status: { value: "active", label: "Active" },
    });
    expect(x).toEqual({
      ok: true,
      row: expect.objectContaining({
        netbox_id: 101,
        name: "fra1-edge-01",
        display: "fra1-edge-01",
        status: "active",
        role: "edge-router",
        tenant_id: 7,
        site_id: 3,
        rack_id: 12,
        cluster_id: null,
        custom_fields: { cmdb: "x" },
        last_updated: "2026-03-14T09:26:53.123456Z",
      }),
    });
  });

  it("reads the older shapes: device_role (≤4.0) and a prefix's site (≤4.1) instead of its scope", () => {
    const d = extractMirrorRow("devices", { id: 1, site, device_role: { id: 2, slug: "server" } });
    expect(d.ok && d.row.role).toBe("server");
    const old = extractMirrorRow("prefixes", { id: 2, prefix: "10.0.0.0/8", site });
    expect(old.ok && old.row.site_id).toBe(3);
    const scoped = extractMirrorRow("prefixes", {
      id: 2,
      prefix: "10.0.0.0/8",
      scope_type: "dcim.region",
      scope_id: 9,
    });
    expect(scoped.ok && scoped.row.site_id).toBeNull();
    const bySite = extractMirrorRow("clusters", {
      id: 8,
      name: "c",
      scope_type: "dcim.site",
      scope_id: 3,
      type: { slug: "vsphere" },
    });
    expect(bySite.ok && [bySite.row.site_id, bySite.row.role]).toEqual([3, "vsphere"]);
  });

  it("finds the device or VM of an IP address's interface", () => {
    const onDevice = extractMirrorRow("ip-addresses", {
      id: 501,
      address: "192.0.2.10/24",
      dns_name: "fra1-edge-01.example.net",
      assigned_object_type: "dcim.interface",
      assigned_object: { id: 1201, device: { id: 101 } },
      role: { value: "loopback", label: "Loopback" },
    });
    expect(onDevice.ok && onDevice.row).toMatchObject({
      address: "192.0.2.10/24",
      device_id: 101,
      virtual_machine_id: null,
      role: "loopback",
      name: "fra1-edge-01.example.net",
    });
    const onVm = extractMirrorRow("ip-addresses", {
      id: 502,
      address: "2001:db8::1/64",
      assigned_object_type: "virtualization.vminterface",
      assigned_object: { id: 5, virtual_machine: { id: 330 } },
    });
    expect(onVm.ok && [onVm.row.device_id, onVm.row.virtual_machine_id]).toEqual([null, 330]);
  });

  it.each([
    ["devices", { id: 1, name: "x" }, "missing site"],
    ["devices", { id: 1, site: "FRA1" }, "site is not an object"],
    ["devices", { id: 1, site: { id: -3 } }, "site.id is not a valid id"],
    ["devices", { id: 1, site, status: "active" }, "status is not a choice"],
    ["sites", { id: 1, name: "", slug: "s" }, "empty name"],
    ["sites", { id: 3_000_000_000, name: "s", slug: "s" }, "id is not a valid id"],
    ["sites", { id: 1, name: "s", slug: "s", custom_fields: [] }, "custom_fields is not an object"],
    ["sites", { id: 1, name: "s", slug: "s", last_updated: "yesterday" }, "last_updated is not a time"],
    ["ip-addresses", { id: 1, address: "300.1.2.3/24" }, 'address "300.1.2.3/24" is not an IP address'],
    ["ip-addresses", { id: 1, address: "192.0.2.1/33" }, 'address "192.0.2.1/33" is not an IP address'],
    ["ip-addresses", { id: 1, address: "fe80::1%eth0/64" }, 'address "fe80::1%eth0/64" is not an IP address'],
    ["prefixes", { id: 1, prefix: "10.0.0.0" }, "prefix has no length"],
    ["vlans", { id: 1, vid: 4095, name: "v" }, "vid is not a VLAN id"],
    ["interfaces", { id: 1, name: "eth0" }, "missing device"],
  ] as const)("refuses a malformed %s: %j", (kind, raw, reason) => {
    expect(extractMirrorRow(kind, raw)).toEqual({ ok: false, reason });
  });

  it("never throws, whatever NetBox sends", () => {
    fc.assert(
      fc.property(fc.constantFrom(...NETBOX_KINDS), fc.anything(), (kind, raw) => {
        const x = extractMirrorRow(kind, raw);
        expect(typeof x.ok).toBe("boolean");
      }),
      { numRuns: 500 },
    );
  });
});

describe("isInet", () => {
  it.each(["10.0.0.1", "10.0.0.0/8", "0.0.0.0/0", "2001:db8::/32", "::1/128", "::ffff:10.0.0.1"])(
    "accepts %s",
    (v) => expect(isInet(v)).toBe(true),
  );
  it.each(["", "10.0.0", "10.0.0.256", "10.0.0.0/33", "2001:db8::/129", "x", "10.0.0.1 /8", "fe80::1%eth0"])(
    "refuses %j",
    (v) => expect(isInet(v)).toBe(false),
  );
});
