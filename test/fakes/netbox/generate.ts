import { FakeNetboxData } from "./data.js";
import { Table, type RowTypes } from "./model.js";

export interface GenerateOptions {
  tenants?: number;
  sites?: number;
  racks?: number;
  devices?: number;
  interfaces?: number;
  ipAddresses?: number;
  prefixes?: number;
  vlans?: number;
  clusters?: number;
  vms?: number;
  /** Custom field names per kind (values are filled for some rows). */
  customFields?: FakeNetboxData["customFields"];
  /** Creation time of the first object; later objects are one second apart. */
  startTime?: string;
}

const SMALL = {
  tenants: 3,
  sites: 3,
  racks: 6,
  devices: 12,
  interfaces: 48,
  ipAddresses: 24,
  prefixes: 6,
  vlans: 6,
  clusters: 2,
  vms: 8,
};

/**
 * Builds a consistent data set (every FK resolves) deterministically and fast: ~1 s and well under
 * 100 MB for 10k devices / 100k interfaces / 50k IPs. No changelog entries are written for it.
 *
 * Layout: rack r is in site r % sites; device d is in rack d % racks; interface k is on device
 * k % devices; IP m is on interface m % interfaces; device d's primary IPv4 is IP d+1 (when it exists).
 */
export function generateNetboxData(options: GenerateOptions = {}): FakeNetboxData {
  const o = { ...SMALL, ...options };
  const data = new FakeNetboxData();
  data.customFields = options.customFields ?? {
    sites: ["cmdb_id"],
    tenants: ["crm_id"],
    devices: ["support_contract"],
  };
  data.configContext = { ntp: ["192.0.2.1"] };
  let clock = Date.parse(options.startTime ?? "2025-11-02T10:00:00Z");
  // One string per row shared by created/last_updated keeps the big tables compact.
  const stamp = () => {
    clock += 1000;
    return new Date(clock).toISOString().replace("Z", "123Z");
  };

  addAux(data);

  const tenantOf = (i: number): number | null =>
    o.tenants === 0 || i % (o.tenants + 1) === o.tenants ? null : (i % o.tenants) + 1;
  const siteOf = (i: number): number => (i % o.sites) + 1;

  const fill = <K extends keyof RowTypes>(
    kind: K,
    n: number,
    make: (i: number, id: number) => RowTypes[K],
  ) => {
    const rows: RowTypes[K][] = new Array(n);
    for (let i = 0; i < n; i++) rows[i] = make(i, i + 1);
    (data as unknown as Record<string, unknown>)[kind] = new Table(rows);
  };

  fill("tenants", o.tenants, (i, id) => {
    const t = stamp();
    return {
      id,
      name: `Tenant ${id}`,
      slug: `tenant-${id}`,
      group_id: (i % 2) + 1,
      description: "",
      created: t,
      last_updated: t,
      custom_fields: { crm_id: `C-${1000 + id}` },
    };
  });
  if (o.sites < 1 && (o.racks || o.devices || o.vlans || o.clusters))
    throw new Error("need at least one site");
  fill("sites", o.sites, (i, id) => {
    const t = stamp();
    const code = `site${String(id).padStart(3, "0")}`;
    return {
      id,
      name: code.toUpperCase(),
      slug: code,
      status: i % 10 === 9 ? "planned" : "active",
      region_id: (i % 2) + 1,
      tenant_id: tenantOf(i),
      facility: `DC ${id}`,
      time_zone: "Europe/Berlin",
      description: "",
      physical_address: "",
      latitude: 50.1109,
      longitude: 8.6821,
      created: t,
      last_updated: t,
      tags: i % 3 === 0 ? ["prod"] : undefined,
      custom_fields: { cmdb_id: `S-${String(id).padStart(4, "0")}` },
    };
  });
  for (let s = 1; s <= o.sites; s++) {
    data.aux.add("locations", { id: s, name: `Hall ${s}`, slug: `hall-${s}`, description: "", _depth: 0 });
  }
  fill("racks", o.racks, (i, id) => {
    const t = stamp();
    const site = siteOf(i);
    return {
      id,
      name: `R${100 + id}`,
      facility_id: `F-${id}`,
      site_id: site,
      location_id: site,
      group_id: null,
      tenant_id: tenantOf(i),
      status: "active",
      role_id: (i % 2) + 1,
      serial: "",
      asset_tag: null,
      u_height: 42,
      description: "",
      created: t,
      last_updated: t,
    };
  });
  fill("clusters", o.clusters, (i, id) => {
    const t = stamp();
    return {
      id,
      name: `cluster-${id}`,
      type_id: (i % 2) + 1,
      group_id: null,
      status: "active",
      tenant_id: tenantOf(i),
      scope_type: "dcim.site",
      scope_id: siteOf(i),
      description: "",
      created: t,
      last_updated: t,
    };
  });
  const primaryIpOf = (d: number): number | null =>
    d < o.ipAddresses && d < o.interfaces && d < o.devices ? d + 1 : null;
  fill("devices", o.devices, (i, id) => {
    const t = stamp();
    const rack = o.racks > 0 ? (i % o.racks) + 1 : null;
    const site = rack !== null ? siteOf(rack - 1) : siteOf(i);
    return {
      id,
      name: `dev-${String(id).padStart(5, "0")}`,
      device_type_id: (i % 3) + 1,
      role_id: (i % 3) + 1,
      tenant_id: tenantOf(i),
      platform_id: i % 4 === 3 ? null : (i % 2) + 1,
      serial: `SN${id}`,
      asset_tag: null,
      site_id: site,
      location_id: site,
      rack_id: rack,
      position: rack !== null ? (Math.floor(i / Math.max(o.racks, 1)) % 40) + 1 : null,
      face: rack !== null ? "front" : null,
      status: i % 20 === 19 ? "offline" : "active",
      airflow: "front-to-rear",
      primary_ip4_id: primaryIpOf(i),
      primary_ip6_id: null,
      oob_ip_id: null,
      cluster_id: null,
      local_context_data: null,
      description: "",
      created: t,
      last_updated: t,
      custom_fields: i % 5 === 0 ? { support_contract: `SC-${id}` } : undefined,
    };
  });
  fill("vlans", o.vlans, (i, id) => {
    const t = stamp();
    const vid = 100 + Math.floor(i / o.sites);
    return {
      id,
      site_id: siteOf(i),
      group_id: null,
      vid,
      name: `VLAN${vid}-S${siteOf(i)}`,
      tenant_id: tenantOf(i),
      status: "active",
      role_id: null,
      description: "",
      created: t,
      last_updated: t,
    };
  });
  fill("interfaces", o.interfaces, (i, id) => {
    const t = stamp();
    const slot = Math.floor(i / o.devices);
    return {
      id,
      device_id: (i % o.devices) + 1,
      name: `et-0/0/${slot}`,
      label: "",
      type: slot === 0 ? "10gbase-x-sfpp" : "1000base-t",
      enabled: i % 7 !== 6,
      mtu: slot === 0 ? 9216 : 1500,
      mac_address: mac(id),
      speed: slot === 0 ? 10_000_000 : 1_000_000,
      mgmt_only: false,
      mode: null,
      untagged_vlan_id: null,
      vrf_id: null,
      description: "",
      created: t,
      last_updated: t,
    };
  });
  fill("prefixes", o.prefixes, (i, id) => {
    const t = stamp();
    return {
      id,
      prefix: `10.${i % 256}.${Math.floor(i / 256) % 256}.0/24`,
      vrf_id: null,
      scope_type: o.sites ? "dcim.site" : null,
      scope_id: o.sites ? siteOf(i) : null,
      tenant_id: tenantOf(i),
      vlan_id: i < o.vlans ? i + 1 : null,
      status: "active",
      role_id: null,
      is_pool: false,
      mark_utilized: false,
      description: "",
      created: t,
      last_updated: t,
    };
  });
  fill("ip-addresses", o.ipAddresses, (i, id) => {
    const t = stamp();
    const n = i + 1;
    const isV6 = i >= o.devices && i % 10 === 9;
    const iface = o.interfaces ? (i % o.interfaces) + 1 : null;
    return {
      id,
      address: isV6
        ? `2001:db8::${n.toString(16)}/64`
        : `100.${64 + ((n >> 16) & 63)}.${(n >> 8) & 255}.${n & 255}/24`,
      vrf_id: null,
      tenant_id: tenantOf(i),
      status: "active",
      role: null,
      assigned_object_type: iface !== null ? "dcim.interface" : null,
      assigned_object_id: iface,
      nat_inside_id: null,
      dns_name: i < o.devices ? `dev-${String(n).padStart(5, "0")}.example.net` : "",
      description: "",
      created: t,
      last_updated: t,
    };
  });
  fill("virtual-machines", o.vms, (i, id) => {
    const t = stamp();
    const cluster = o.clusters > 0 ? (i % o.clusters) + 1 : null;
    return {
      id,
      name: `vm-${String(id).padStart(5, "0")}`,
      role_id: (i % 3) + 1,
      status: "active",
      site_id: cluster !== null ? siteOf(cluster - 1) : o.sites ? siteOf(i) : null,
      cluster_id: cluster,
      device_id: null,
      platform_id: (i % 2) + 1,
      primary_ip4_id: null,
      primary_ip6_id: null,
      vcpus: 2 + (i % 4) * 2,
      memory: 4096 * (1 + (i % 4)),
      disk: 40960,
      serial: "",
      tenant_id: tenantOf(i),
      local_context_data: null,
      description: "",
      created: t,
      last_updated: t,
    };
  });
  return data;
}

function mac(n: number): string {
  const hex = n.toString(16).padStart(8, "0");
  return `02:00:${hex.slice(0, 2)}:${hex.slice(2, 4)}:${hex.slice(4, 6)}:${hex.slice(6, 8)}`.toUpperCase();
}

function addAux(data: FakeNetboxData): void {
  const a = data.aux;
  a.add("regions", { id: 1, name: "Germany", slug: "de", description: "", _depth: 1 });
  a.add("regions", { id: 2, name: "Netherlands", slug: "nl", description: "", _depth: 1 });
  a.add("rack-roles", { id: 1, name: "Compute", slug: "compute", description: "" });
  a.add("rack-roles", { id: 2, name: "Network", slug: "network", description: "" });
  a.add("manufacturers", { id: 1, name: "Juniper", slug: "juniper", description: "" });
  a.add("manufacturers", { id: 2, name: "Supermicro", slug: "supermicro", description: "" });
  a.add("device-types", { id: 1, name: "MX204", slug: "mx204", description: "", manufacturer_id: 1 });
  a.add("device-types", { id: 2, name: "QFX5120", slug: "qfx5120", description: "", manufacturer_id: 1 });
  a.add("device-types", { id: 3, name: "SYS-1029", slug: "sys-1029", description: "", manufacturer_id: 2 });
  a.add("device-roles", { id: 1, name: "Edge Router", slug: "edge-router", description: "", _depth: 0 });
  a.add("device-roles", { id: 2, name: "Switch", slug: "switch", description: "", _depth: 0 });
  a.add("device-roles", { id: 3, name: "Server", slug: "server", description: "", _depth: 0 });
  a.add("platforms", { id: 1, name: "Junos", slug: "junos", description: "", _depth: 0 });
  a.add("platforms", { id: 2, name: "NixOS", slug: "nixos", description: "", _depth: 0 });
  a.add("vrfs", { id: 1, name: "CUST-ACME", slug: "", rd: "65000:100", description: "" });
  a.add("ipam-roles", { id: 1, name: "Management", slug: "mgmt", description: "" });
  a.add("vlan-groups", { id: 1, name: "Global", slug: "global", description: "" });
  a.add("cluster-types", { id: 1, name: "VMware vSphere", slug: "vsphere", description: "" });
  a.add("cluster-types", { id: 2, name: "Proxmox", slug: "proxmox", description: "" });
  a.add("cluster-groups", { id: 1, name: "Prod", slug: "prod", description: "" });
  a.add("tenant-groups", { id: 1, name: "Customers", slug: "customers", description: "", _depth: 0 });
  a.add("tenant-groups", { id: 2, name: "Internal", slug: "internal", description: "", _depth: 0 });
  a.add("tags", { id: 1, name: "prod", slug: "prod", description: "", color: "4caf50" });
  a.add("tags", { id: 2, name: "staging", slug: "staging", description: "", color: "ff9800" });
}
