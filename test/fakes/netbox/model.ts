// Storage model of the fake NetBox: compact "database rows" (FKs as *_id, choices as raw values),
// serialized to the REST shape per request so 100k-row data sets stay small in memory.

export const FAKE_KINDS = [
  "sites",
  "racks",
  "devices",
  "interfaces",
  "prefixes",
  "ip-addresses",
  "vlans",
  "clusters",
  "virtual-machines",
  "tenants",
] as const;
export type FakeKind = (typeof FAKE_KINDS)[number];
/** Permission targets: the mirrored kinds plus the changelog (`core.view_objectchange`). */
export type FakePermissionKind = FakeKind | "object-changes";

export const FAKE_VERSIONS = ["4.2", "4.3", "4.4", "4.5", "4.6"] as const;
export type FakeNetboxVersion = (typeof FAKE_VERSIONS)[number];

export const minorOf = (v: FakeNetboxVersion): number => Number(v.split(".")[1]);

export interface KindInfo {
  /** API path below /api/, e.g. "dcim/sites". */
  path: string;
  /** Model name as in DRF's 404 detail. */
  model: string;
  /** `app_label.model`, as in object changes and webhooks. */
  objectType: string;
}

export const KIND_INFO: Record<FakeKind, KindInfo> = {
  sites: { path: "dcim/sites", model: "Site", objectType: "dcim.site" },
  racks: { path: "dcim/racks", model: "Rack", objectType: "dcim.rack" },
  devices: { path: "dcim/devices", model: "Device", objectType: "dcim.device" },
  interfaces: { path: "dcim/interfaces", model: "Interface", objectType: "dcim.interface" },
  prefixes: { path: "ipam/prefixes", model: "Prefix", objectType: "ipam.prefix" },
  "ip-addresses": { path: "ipam/ip-addresses", model: "IPAddress", objectType: "ipam.ipaddress" },
  vlans: { path: "ipam/vlans", model: "VLAN", objectType: "ipam.vlan" },
  clusters: { path: "virtualization/clusters", model: "Cluster", objectType: "virtualization.cluster" },
  "virtual-machines": {
    path: "virtualization/virtual-machines",
    model: "VirtualMachine",
    objectType: "virtualization.virtualmachine",
  },
  tenants: { path: "tenancy/tenants", model: "Tenant", objectType: "tenancy.tenant" },
};

export interface BaseRow {
  id: number;
  created: string;
  last_updated: string;
  description: string;
  comments?: string;
  /** Tag names; serialized via the aux tag table. */
  tags?: string[];
  /** Only set values; the serializer emits every defined custom field. */
  custom_fields?: Record<string, unknown>;
}

export interface TenantRow extends BaseRow {
  name: string;
  slug: string;
  group_id: number | null;
}
export interface SiteRow extends BaseRow {
  name: string;
  slug: string;
  status: string;
  region_id: number | null;
  tenant_id: number | null;
  facility: string;
  time_zone: string | null;
  physical_address: string;
  latitude: number | null;
  longitude: number | null;
}
export interface RackRow extends BaseRow {
  name: string;
  facility_id: string | null;
  site_id: number;
  location_id: number | null;
  group_id: number | null;
  tenant_id: number | null;
  status: string;
  role_id: number | null;
  serial: string;
  asset_tag: string | null;
  u_height: number;
}
export interface DeviceRow extends BaseRow {
  name: string | null;
  device_type_id: number;
  role_id: number;
  tenant_id: number | null;
  platform_id: number | null;
  serial: string;
  asset_tag: string | null;
  site_id: number;
  location_id: number | null;
  rack_id: number | null;
  position: number | null;
  face: string | null;
  status: string;
  airflow: string | null;
  primary_ip4_id: number | null;
  primary_ip6_id: number | null;
  oob_ip_id: number | null;
  cluster_id: number | null;
  local_context_data: Record<string, unknown> | null;
}
export interface InterfaceRow extends BaseRow {
  device_id: number;
  name: string;
  label: string;
  type: string;
  enabled: boolean;
  mtu: number | null;
  mac_address: string | null;
  speed: number | null;
  mgmt_only: boolean;
  mode: string | null;
  untagged_vlan_id: number | null;
  vrf_id: number | null;
}
export interface PrefixRow extends BaseRow {
  prefix: string;
  vrf_id: number | null;
  scope_type: string | null;
  scope_id: number | null;
  tenant_id: number | null;
  vlan_id: number | null;
  status: string;
  role_id: number | null;
  is_pool: boolean;
  mark_utilized: boolean;
}
export interface IpAddressRow extends BaseRow {
  address: string;
  vrf_id: number | null;
  tenant_id: number | null;
  status: string;
  role: string | null;
  assigned_object_type: string | null;
  assigned_object_id: number | null;
  nat_inside_id: number | null;
  dns_name: string;
}
export interface VlanRow extends BaseRow {
  site_id: number | null;
  group_id: number | null;
  vid: number;
  name: string;
  tenant_id: number | null;
  status: string;
  role_id: number | null;
}
export interface ClusterRow extends BaseRow {
  name: string;
  type_id: number;
  group_id: number | null;
  status: string;
  tenant_id: number | null;
  scope_type: string | null;
  scope_id: number | null;
}
export interface VirtualMachineRow extends BaseRow {
  name: string;
  role_id: number | null;
  status: string;
  site_id: number | null;
  cluster_id: number | null;
  device_id: number | null;
  platform_id: number | null;
  primary_ip4_id: number | null;
  primary_ip6_id: number | null;
  vcpus: number | null;
  memory: number | null;
  disk: number | null;
  serial: string;
  tenant_id: number | null;
  local_context_data: Record<string, unknown> | null;
}

export interface RowTypes {
  sites: SiteRow;
  racks: RackRow;
  devices: DeviceRow;
  interfaces: InterfaceRow;
  prefixes: PrefixRow;
  "ip-addresses": IpAddressRow;
  vlans: VlanRow;
  clusters: ClusterRow;
  "virtual-machines": VirtualMachineRow;
  tenants: TenantRow;
}
export type AnyRow = RowTypes[FakeKind];

export interface ObjectChangeRow {
  id: number;
  time: string;
  user_id: number;
  user_name: string;
  request_id: string;
  action: "create" | "update" | "delete";
  changed_object_type: string;
  changed_object_id: number;
  related_object_type: string | null;
  related_object_id: number | null;
  object_repr: string;
  message: string;
  /** Changelog-serializer snapshot, or null for the missing side (the API renders it as {}). */
  prechange_data: Record<string, unknown> | null;
  postchange_data: Record<string, unknown> | null;
}

// ---- Related objects that are not mirrored but appear nested ----

export type AuxKind =
  | "regions"
  | "locations"
  | "rack-roles"
  | "manufacturers"
  | "device-types"
  | "device-roles"
  | "platforms"
  | "vrfs"
  | "ipam-roles"
  | "vlan-groups"
  | "cluster-types"
  | "cluster-groups"
  | "tenant-groups"
  | "tags";

export interface AuxRow {
  id: number;
  name: string;
  slug: string;
  description: string;
  /** vrfs */
  rd?: string | null;
  /** device-types */
  manufacturer_id?: number;
  /** tags */
  color?: string;
  _depth?: number;
}

export const AUX_PATH: Record<AuxKind, string> = {
  regions: "dcim/regions",
  locations: "dcim/locations",
  "rack-roles": "dcim/rack-roles",
  manufacturers: "dcim/manufacturers",
  "device-types": "dcim/device-types",
  "device-roles": "dcim/device-roles",
  platforms: "dcim/platforms",
  vrfs: "ipam/vrfs",
  "ipam-roles": "ipam/roles",
  "vlan-groups": "ipam/vlan-groups",
  "cluster-types": "virtualization/cluster-types",
  "cluster-groups": "virtualization/cluster-groups",
  "tenant-groups": "tenancy/tenant-groups",
  tags: "extras/tags",
};

/** FK columns per kind → referenced kind; drives nested serialization, FK filters and snapshots. */
export const FOREIGN_KEYS: { [K in FakeKind]: Partial<Record<keyof RowTypes[K], FakeKind | AuxKind>> } = {
  tenants: { group_id: "tenant-groups" },
  sites: { region_id: "regions", tenant_id: "tenants" },
  racks: {
    site_id: "sites",
    location_id: "locations",
    tenant_id: "tenants",
    role_id: "rack-roles",
  },
  devices: {
    device_type_id: "device-types",
    role_id: "device-roles",
    tenant_id: "tenants",
    platform_id: "platforms",
    site_id: "sites",
    location_id: "locations",
    rack_id: "racks",
    primary_ip4_id: "ip-addresses",
    primary_ip6_id: "ip-addresses",
    oob_ip_id: "ip-addresses",
    cluster_id: "clusters",
  },
  interfaces: { device_id: "devices", untagged_vlan_id: "vlans", vrf_id: "vrfs" },
  prefixes: { vrf_id: "vrfs", tenant_id: "tenants", vlan_id: "vlans", role_id: "ipam-roles" },
  "ip-addresses": { vrf_id: "vrfs", tenant_id: "tenants", nat_inside_id: "ip-addresses" },
  vlans: { site_id: "sites", group_id: "vlan-groups", tenant_id: "tenants", role_id: "ipam-roles" },
  clusters: { type_id: "cluster-types", group_id: "cluster-groups", tenant_id: "tenants" },
  "virtual-machines": {
    role_id: "device-roles",
    site_id: "sites",
    cluster_id: "clusters",
    device_id: "devices",
    platform_id: "platforms",
    primary_ip4_id: "ip-addresses",
    primary_ip6_id: "ip-addresses",
    tenant_id: "tenants",
  },
};

/** Choice values (and labels) as in NetBox's choices.py. */
export const CHOICES = {
  siteStatus: {
    planned: "Planned",
    staging: "Staging",
    active: "Active",
    decommissioning: "Decommissioning",
    retired: "Retired",
  },
  rackStatus: {
    reserved: "Reserved",
    available: "Available",
    planned: "Planned",
    active: "Active",
    deprecated: "Deprecated",
  },
  deviceStatus: {
    offline: "Offline",
    active: "Active",
    planned: "Planned",
    staged: "Staged",
    failed: "Failed",
    inventory: "Inventory",
    decommissioning: "Decommissioning",
  },
  prefixStatus: { container: "Container", active: "Active", reserved: "Reserved", deprecated: "Deprecated" },
  ipStatus: {
    active: "Active",
    reserved: "Reserved",
    deprecated: "Deprecated",
    dhcp: "DHCP",
    slaac: "SLAAC",
  },
  ipRole: {
    loopback: "Loopback",
    secondary: "Secondary",
    anycast: "Anycast",
    vip: "VIP",
    vrrp: "VRRP",
    hsrp: "HSRP",
    glbp: "GLBP",
    carp: "CARP",
  },
  vlanStatus: { active: "Active", reserved: "Reserved", deprecated: "Deprecated" },
  clusterStatus: {
    planned: "Planned",
    staging: "Staging",
    active: "Active",
    decommissioning: "Decommissioning",
    offline: "Offline",
  },
  vmStatus: {
    offline: "Offline",
    active: "Active",
    planned: "Planned",
    staged: "Staged",
    failed: "Failed",
    decommissioning: "Decommissioning",
    paused: "Paused",
  },
  face: { front: "Front", rear: "Rear" },
  airflow: { "front-to-rear": "Front to rear", "rear-to-front": "Rear to front", passive: "Passive" },
  interfaceType: {
    virtual: "Virtual",
    lag: "Link Aggregation Group (LAG)",
    "1000base-t": "1000BASE-T (1GE)",
    "10gbase-x-sfpp": "SFP+ (10GE)",
    "100gbase-x-qsfp28": "QSFP28 (100GE)",
  },
  interfaceMode: {
    access: "Access",
    tagged: "Tagged",
    "tagged-all": "Tagged (All)",
    "q-in-q": "Q-in-Q (802.1ad)",
  },
} as const satisfies Record<string, Record<string, string>>;

// ---- Tables ----

/** Rows kept sorted by id so id lookups and `id__gt` scans are binary searches. */
export class Table<R extends { id: number }> {
  private rows: R[];
  private maxId = 0;
  /** Bumped on every mutation; derived caches (sorted views, counts) key on it. */
  version = 0;

  constructor(rows: R[] = []) {
    this.rows = rows;
    for (let i = 1; i < rows.length; i++) {
      if (rows[i]!.id <= rows[i - 1]!.id) throw new Error("Table rows must be sorted by unique id");
    }
    this.maxId = rows.length ? rows[rows.length - 1]!.id : 0;
  }

  get size(): number {
    return this.rows.length;
  }

  /** Sorted by id. Do not mutate the array; use insert/update/delete. */
  all(): readonly R[] {
    return this.rows;
  }

  /** Index of the first row with `row.id >= id`. */
  lowerBound(id: number): number {
    let lo = 0;
    let hi = this.rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.rows[mid]!.id < id) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  get(id: number): R | undefined {
    const i = this.lowerBound(id);
    const row = this.rows[i];
    return row && row.id === id ? row : undefined;
  }

  /** Like a Postgres sequence: ids of deleted rows are never reused. */
  nextId(): number {
    return this.maxId + 1;
  }

  insert(row: R): R {
    const i = this.lowerBound(row.id);
    if (this.rows[i]?.id === row.id) throw new Error(`duplicate id ${row.id}`);
    if (i === this.rows.length) this.rows.push(row);
    else this.rows.splice(i, 0, row);
    this.maxId = Math.max(this.maxId, row.id);
    this.version++;
    return row;
  }

  update(id: number, patch: Partial<R>): R {
    const row = this.get(id);
    if (!row) throw new Error(`no row ${id}`);
    if (patch.id !== undefined && patch.id !== id) throw new Error("cannot change id");
    Object.assign(row, patch);
    this.version++;
    return row;
  }

  delete(id: number): R | undefined {
    const i = this.lowerBound(id);
    const row = this.rows[i];
    if (!row || row.id !== id) return undefined;
    this.rows.splice(i, 1);
    this.version++;
    return row;
  }

  /** Call after mutating a row object in place, so caches are rebuilt. */
  touch(): void {
    this.version++;
  }
}

export class AuxStore {
  readonly tables = new Map<AuxKind, Map<number, AuxRow>>();

  add(kind: AuxKind, row: AuxRow): AuxRow {
    let t = this.tables.get(kind);
    if (!t) this.tables.set(kind, (t = new Map()));
    t.set(row.id, row);
    return row;
  }

  get(kind: AuxKind, id: number): AuxRow | undefined {
    return this.tables.get(kind)?.get(id);
  }

  tag(name: string): AuxRow | undefined {
    for (const t of this.tables.get("tags")?.values() ?? []) if (t.name === name) return t;
    return undefined;
  }
}

export const isFakeKind = (k: string): k is FakeKind => (FAKE_KINDS as readonly string[]).includes(k);
