// REST representations per README.md, "The NetBox contract" §5, built from rows on demand.
import { customFieldsOf, displayOf, type FakeNetboxData } from "./data.js";
import {
  AUX_PATH,
  CHOICES,
  KIND_INFO,
  type AnyRow,
  type AuxKind,
  type FakeKind,
  type ObjectChangeRow,
  type RowTypes,
} from "./model.js";

type Json = Record<string, unknown>;

export interface SerializeContext {
  data: FakeNetboxData;
  /** NetBox 4.x minor version. */
  minor: number;
  /** Scheme and host (`http://127.0.0.1:1234`), or "" for the relative URLs of webhook bodies. */
  base: string;
}

const apiUrl = (ctx: SerializeContext, path: string, id: number) => `${ctx.base}/api/${path}/${id}/`;
const uiUrl = (ctx: SerializeContext, path: string, id: number) => `${ctx.base}/${path}/${id}/`;

function choice(map: Record<string, string>, value: string | null | undefined): Json | null {
  // A blank choice renders as null, not {} (ChoiceField.to_representation).
  if (value === null || value === undefined || value === "") return null;
  return { value, label: map[value] ?? value };
}

export const familyOf = (address: string): 4 | 6 => (address.includes(":") ? 6 : 4);
const family = (address: string) => {
  const f = familyOf(address);
  return { value: f, label: `IPv${f}` };
};

function auxNested(ctx: SerializeContext, kind: AuxKind, id: number | null | undefined): Json | null {
  if (id === null || id === undefined) return null;
  const a = ctx.data.aux.get(kind, id);
  if (!a) return null;
  const head = { id: a.id, url: apiUrl(ctx, AUX_PATH[kind], a.id), display: a.name };
  switch (kind) {
    case "regions":
      return {
        id: head.id,
        url: head.url,
        display: head.display,
        name: a.name,
        slug: a.slug,
        description: a.description,
        site_count: 0,
        _depth: a._depth ?? 0,
      };
    case "locations":
      return {
        id: head.id,
        url: head.url,
        display: head.display,
        name: a.name,
        slug: a.slug,
        description: a.description,
        rack_count: 0,
        _depth: a._depth ?? 0,
      };
    case "tenant-groups":
      return {
        id: head.id,
        url: head.url,
        display: head.display,
        name: a.name,
        slug: a.slug,
        description: a.description,
        tenant_count: 0,
        _depth: a._depth ?? 0,
      };
    case "device-roles":
    case "platforms":
      return {
        id: head.id,
        url: head.url,
        display: head.display,
        name: a.name,
        slug: a.slug,
        description: a.description,
        device_count: 0,
        virtualmachine_count: 0,
        _depth: a._depth ?? 0,
      };
    case "device-types":
      return {
        id: head.id,
        url: head.url,
        display: head.display,
        manufacturer: auxNested(ctx, "manufacturers", a.manufacturer_id),
        model: a.name,
        slug: a.slug,
        description: a.description,
        // A real counter-cache column, so accurate even when nested.
        device_count: ctx.data.count("devices", "device_type_id", a.id),
      };
    case "vrfs":
      return {
        id: head.id,
        url: head.url,
        display: a.rd ? `${a.name} (${a.rd})` : a.name,
        name: a.name,
        rd: a.rd ?? null,
        description: a.description,
      };
    case "tags":
      return tagOf(ctx, a.name);
    default:
      return {
        id: head.id,
        url: head.url,
        display: head.display,
        name: a.name,
        slug: a.slug,
        description: a.description,
      };
  }
}

function tagOf(ctx: SerializeContext, name: string): Json {
  const t = ctx.data.aux.tag(name);
  const id = t?.id ?? 0;
  return {
    id,
    url: apiUrl(ctx, "extras/tags", id),
    display_url: uiUrl(ctx, "extras/tags", id),
    display: name,
    name,
    slug: t?.slug ?? name,
    color: t?.color ?? "9e9e9e",
  };
}

/** NAT items inside nested IPs carry display_url and an integer family (ipam nested serializer). */
function natItem(ctx: SerializeContext, row: RowTypes["ip-addresses"]): Json {
  const path = KIND_INFO["ip-addresses"].path;
  return {
    id: row.id,
    url: apiUrl(ctx, path, row.id),
    display_url: uiUrl(ctx, path, row.id),
    display: row.address,
    family: familyOf(row.address),
    address: row.address,
  };
}

/** Nested (= brief) representation of a mirrored object: brief_fields, never display_url. */
export function nested(ctx: SerializeContext, kind: FakeKind, row: AnyRow): Json {
  const head = {
    id: row.id,
    url: apiUrl(ctx, KIND_INFO[kind].path, row.id),
    display: displayOf(ctx.data, kind, row),
  };
  switch (kind) {
    case "sites":
    case "tenants": {
      const r = row as RowTypes["sites"];
      return {
        id: head.id,
        url: head.url,
        display: head.display,
        name: r.name,
        slug: r.slug,
        description: r.description,
      };
    }
    case "vlans": {
      const r = row as RowTypes["vlans"];
      return {
        id: head.id,
        url: head.url,
        display: head.display,
        vid: r.vid,
        name: r.name,
        description: r.description,
      };
    }
    case "interfaces": {
      const r = row as RowTypes["interfaces"];
      return {
        id: head.id,
        url: head.url,
        display: head.display,
        device: ref(ctx, "devices", r.device_id),
        name: r.name,
        description: r.description,
        cable: null,
        _occupied: false,
      };
    }
    case "prefixes": {
      const r = row as RowTypes["prefixes"];
      return {
        id: head.id,
        url: head.url,
        display: head.display,
        family: family(r.prefix),
        prefix: r.prefix,
        description: r.description,
        _depth: 0,
      };
    }
    case "ip-addresses": {
      const r = row as RowTypes["ip-addresses"];
      if (ctx.minor < 6)
        return {
          id: head.id,
          url: head.url,
          display: head.display,
          family: family(r.address),
          address: r.address,
          description: r.description,
        };
      const ips = ctx.data["ip-addresses"];
      const inside = r.nat_inside_id !== null ? ips.get(r.nat_inside_id) : undefined;
      const outside = ctx.data.index("ip-addresses", "nat_inside_id", (x) => x.nat_inside_id).get(r.id) ?? [];
      return {
        id: head.id,
        url: head.url,
        display: head.display,
        family: family(r.address),
        address: r.address,
        nat_inside: inside ? natItem(ctx, inside) : null,
        nat_outside: outside.flatMap((id) => {
          const o = ips.get(id);
          return o ? [natItem(ctx, o)] : [];
        }),
        dns_name: r.dns_name,
        description: r.description,
      };
    }
    default: {
      const r = row as { name: string | null; description: string };
      return { id: head.id, url: head.url, display: head.display, name: r.name, description: r.description };
    }
  }
}

/** Nested representation of whatever an FK points at, or null for a null/dangling FK. */
export function ref(
  ctx: SerializeContext,
  target: FakeKind | AuxKind,
  id: number | null | undefined,
): Json | null {
  if (id === null || id === undefined) return null;
  if (target in KIND_INFO) {
    const row = ctx.data.table(target as FakeKind).get(id);
    return row ? nested(ctx, target as FakeKind, row) : null;
  }
  return auxNested(ctx, target as AuxKind, id);
}

function scopeOf(ctx: SerializeContext, type: string | null, id: number | null): Json | null {
  if (!type || id === null) return null;
  const target: Record<string, FakeKind | AuxKind> = {
    "dcim.site": "sites",
    "dcim.region": "regions",
    "dcim.location": "locations",
  };
  const t = target[type];
  return t ? ref(ctx, t, id) : null;
}

// Version-dependent keys are set to undefined rather than spread in: JSON.stringify drops them, and
// spreading into large literals falls off V8's fast object-clone path (10x slower for 100k-row pages).
const ownerOf = (ctx: SerializeContext) => (ctx.minor >= 5 ? null : undefined);
const tagsOf = (ctx: SerializeContext, row: AnyRow) => (row.tags ?? []).map((t) => tagOf(ctx, t));
/** Rendered context; shared when there is no local data (responses are serialized, never mutated). */
const configContextOf = (d: FakeNetboxData, local: Record<string, unknown> | null) =>
  local ? { ...d.configContext, ...local } : d.configContext;

/** Full REST representation (config_context included for devices/VMs unless excluded). */
export function full(ctx: SerializeContext, kind: FakeKind, row: AnyRow, excludeConfigContext = false): Json {
  const d = ctx.data;
  switch (kind) {
    case "tenants": {
      const r = row as RowTypes["tenants"];
      return {
        id: r.id,
        url: apiUrl(ctx, KIND_INFO[kind].path, r.id),
        display_url: uiUrl(ctx, KIND_INFO[kind].path, r.id),
        display: displayOf(d, kind, r),
        name: r.name,
        slug: r.slug,
        group: ref(ctx, "tenant-groups", r.group_id),
        description: r.description,
        owner: ownerOf(ctx),
        comments: r.comments ?? "",
        tags: tagsOf(ctx, r),
        custom_fields: customFieldsOf(d, kind, r),
        created: r.created,
        last_updated: r.last_updated,
        circuit_count: 0,
        device_count: d.count("devices", "tenant_id", r.id),
        ipaddress_count: d.count("ip-addresses", "tenant_id", r.id),
        prefix_count: d.count("prefixes", "tenant_id", r.id),
        rack_count: d.count("racks", "tenant_id", r.id),
        site_count: d.count("sites", "tenant_id", r.id),
        virtualmachine_count: d.count("virtual-machines", "tenant_id", r.id),
        vlan_count: d.count("vlans", "tenant_id", r.id),
        vrf_count: 0,
        cluster_count: d.count("clusters", "tenant_id", r.id),
      };
    }
    case "sites": {
      const r = row as RowTypes["sites"];
      return {
        id: r.id,
        url: apiUrl(ctx, KIND_INFO[kind].path, r.id),
        display_url: uiUrl(ctx, KIND_INFO[kind].path, r.id),
        display: displayOf(d, kind, r),
        name: r.name,
        slug: r.slug,
        status: choice(CHOICES.siteStatus, r.status),
        region: ref(ctx, "regions", r.region_id),
        group: null,
        tenant: ref(ctx, "tenants", r.tenant_id),
        facility: r.facility,
        time_zone: r.time_zone,
        description: r.description,
        physical_address: r.physical_address,
        shipping_address: "",
        latitude: r.latitude,
        longitude: r.longitude,
        owner: ownerOf(ctx),
        comments: r.comments ?? "",
        tags: tagsOf(ctx, r),
        custom_fields: customFieldsOf(d, kind, r),
        created: r.created,
        last_updated: r.last_updated,
        asns: [],
        circuit_count: 0,
        device_count: d.count("devices", "site_id", r.id),
        prefix_count:
          d
            .index("prefixes", "site-scope", (p) => (p.scope_type === "dcim.site" ? p.scope_id : null))
            .get(r.id)?.length ?? 0,
        rack_count: d.count("racks", "site_id", r.id),
        virtualmachine_count: d.count("virtual-machines", "site_id", r.id),
        vlan_count: d.count("vlans", "site_id", r.id),
      };
    }
    case "racks": {
      const r = row as RowTypes["racks"];
      return {
        id: r.id,
        url: apiUrl(ctx, KIND_INFO[kind].path, r.id),
        display_url: uiUrl(ctx, KIND_INFO[kind].path, r.id),
        display: displayOf(d, kind, r),
        name: r.name,
        facility_id: r.facility_id,
        site: ref(ctx, "sites", r.site_id),
        location: ref(ctx, "locations", r.location_id),
        group: ctx.minor >= 6 ? null : undefined,
        tenant: ref(ctx, "tenants", r.tenant_id),
        status: choice(CHOICES.rackStatus, r.status),
        role: ref(ctx, "rack-roles", r.role_id),
        serial: r.serial,
        asset_tag: r.asset_tag,
        rack_type: null,
        form_factor: { value: "4-post-cabinet", label: "4-post cabinet" },
        width: { value: 19, label: "19 inches" },
        u_height: r.u_height,
        starting_unit: 1,
        weight: null,
        max_weight: null,
        weight_unit: null,
        desc_units: false,
        outer_width: null,
        outer_height: null,
        outer_depth: null,
        outer_unit: null,
        mounting_depth: null,
        airflow: null,
        description: r.description,
        owner: ownerOf(ctx),
        comments: r.comments ?? "",
        tags: tagsOf(ctx, r),
        custom_fields: customFieldsOf(d, kind, r),
        created: r.created,
        last_updated: r.last_updated,
        device_count: d.count("devices", "rack_id", r.id),
        powerfeed_count: 0,
      };
    }
    case "devices": {
      const r = row as RowTypes["devices"];
      const ip4 = ref(ctx, "ip-addresses", r.primary_ip4_id);
      const ip6 = ref(ctx, "ip-addresses", r.primary_ip6_id);
      const out: Json = {
        id: r.id,
        url: apiUrl(ctx, KIND_INFO[kind].path, r.id),
        display_url: uiUrl(ctx, KIND_INFO[kind].path, r.id),
        display: displayOf(d, kind, r),
        name: r.name,
        device_type: ref(ctx, "device-types", r.device_type_id),
        role: ref(ctx, "device-roles", r.role_id),
        tenant: ref(ctx, "tenants", r.tenant_id),
        platform: ref(ctx, "platforms", r.platform_id),
        serial: r.serial,
        asset_tag: r.asset_tag,
        site: ref(ctx, "sites", r.site_id),
        location: ref(ctx, "locations", r.location_id),
        rack: ref(ctx, "racks", r.rack_id),
        position: r.position,
        face: choice(CHOICES.face, r.face),
        latitude: null,
        longitude: null,
        parent_device: null,
        status: choice(CHOICES.deviceStatus, r.status),
        airflow: choice(CHOICES.airflow, r.airflow),
        // IPv6 is preferred unless PREFER_IPV4.
        primary_ip: ip6 ?? ip4,
        primary_ip4: ip4,
        primary_ip6: ip6,
        oob_ip: ref(ctx, "ip-addresses", r.oob_ip_id),
        cluster: ref(ctx, "clusters", r.cluster_id),
        virtual_chassis: null,
        vc_position: null,
        vc_priority: null,
        description: r.description,
        owner: ownerOf(ctx),
        comments: r.comments ?? "",
        config_template: null,
        config_context: excludeConfigContext ? undefined : configContextOf(d, r.local_context_data),
        local_context_data: r.local_context_data,
        tags: tagsOf(ctx, r),
        custom_fields: customFieldsOf(d, kind, r),
        created: r.created,
        last_updated: r.last_updated,
        console_port_count: 0,
        console_server_port_count: 0,
        power_port_count: 0,
        power_outlet_count: 0,
        interface_count: d.count("interfaces", "device_id", r.id),
        front_port_count: 0,
        rear_port_count: 0,
        device_bay_count: 0,
        module_bay_count: 0,
        inventory_item_count: 0,
      };
      return out;
    }
    case "interfaces": {
      const r = row as RowTypes["interfaces"];
      return {
        id: r.id,
        url: apiUrl(ctx, KIND_INFO[kind].path, r.id),
        display_url: uiUrl(ctx, KIND_INFO[kind].path, r.id),
        display: displayOf(d, kind, r),
        device: ref(ctx, "devices", r.device_id),
        vdcs: [],
        module: null,
        name: r.name,
        label: r.label,
        type: choice(CHOICES.interfaceType, r.type),
        enabled: r.enabled,
        parent: null,
        bridge: null,
        bridge_interfaces: [],
        lag: null,
        mtu: r.mtu,
        mac_address: r.mac_address,
        primary_mac_address: null,
        mac_addresses: [],
        speed: r.speed,
        duplex: null,
        wwn: null,
        mgmt_only: r.mgmt_only,
        description: r.description,
        mode: choice(CHOICES.interfaceMode, r.mode),
        rf_role: null,
        rf_channel: null,
        poe_mode: null,
        poe_type: null,
        rf_channel_frequency: null,
        rf_channel_width: null,
        tx_power: null,
        untagged_vlan: ref(ctx, "vlans", r.untagged_vlan_id),
        tagged_vlans: [],
        qinq_svlan: null,
        vlan_translation_policy: null,
        mark_connected: false,
        cable: null,
        cable_end: null,
        wireless_link: null,
        link_peers: [],
        link_peers_type: null,
        wireless_lans: [],
        vrf: ref(ctx, "vrfs", r.vrf_id),
        l2vpn_termination: null,
        connected_endpoints: null,
        connected_endpoints_type: null,
        connected_endpoints_reachable: false,
        tags: tagsOf(ctx, r),
        custom_fields: customFieldsOf(d, kind, r),
        created: r.created,
        last_updated: r.last_updated,
        count_ipaddresses:
          d
            .index("ip-addresses", "iface", (ip) =>
              ip.assigned_object_type === "dcim.interface" ? ip.assigned_object_id : null,
            )
            .get(r.id)?.length ?? 0,
        count_fhrp_groups: 0,
        _occupied: false,
      };
    }
    case "prefixes": {
      const r = row as RowTypes["prefixes"];
      return {
        id: r.id,
        url: apiUrl(ctx, KIND_INFO[kind].path, r.id),
        display_url: uiUrl(ctx, KIND_INFO[kind].path, r.id),
        display: displayOf(d, kind, r),
        family: family(r.prefix),
        prefix: r.prefix,
        vrf: ref(ctx, "vrfs", r.vrf_id),
        scope_type: r.scope_type,
        scope_id: r.scope_id,
        scope: scopeOf(ctx, r.scope_type, r.scope_id),
        tenant: ref(ctx, "tenants", r.tenant_id),
        vlan: ref(ctx, "vlans", r.vlan_id),
        status: choice(CHOICES.prefixStatus, r.status),
        role: ref(ctx, "ipam-roles", r.role_id),
        is_pool: r.is_pool,
        mark_utilized: r.mark_utilized,
        description: r.description,
        owner: ownerOf(ctx),
        comments: r.comments ?? "",
        tags: tagsOf(ctx, r),
        custom_fields: customFieldsOf(d, kind, r),
        created: r.created,
        last_updated: r.last_updated,
        children: 0,
        _depth: 0,
      };
    }
    case "ip-addresses": {
      const r = row as RowTypes["ip-addresses"];
      const assigned =
        r.assigned_object_type === "dcim.interface" ? ref(ctx, "interfaces", r.assigned_object_id) : null;
      const outside = d.index("ip-addresses", "nat_inside_id", (x) => x.nat_inside_id).get(r.id) ?? [];
      return {
        id: r.id,
        url: apiUrl(ctx, KIND_INFO[kind].path, r.id),
        display_url: uiUrl(ctx, KIND_INFO[kind].path, r.id),
        display: displayOf(d, kind, r),
        family: family(r.address),
        address: r.address,
        vrf: ref(ctx, "vrfs", r.vrf_id),
        tenant: ref(ctx, "tenants", r.tenant_id),
        status: choice(CHOICES.ipStatus, r.status),
        role: choice(CHOICES.ipRole, r.role),
        assigned_object_type: r.assigned_object_type,
        assigned_object_id: r.assigned_object_id,
        assigned_object: assigned,
        nat_inside: ref(ctx, "ip-addresses", r.nat_inside_id),
        nat_outside: outside.map((id) => ref(ctx, "ip-addresses", id)),
        dns_name: r.dns_name,
        description: r.description,
        owner: ownerOf(ctx),
        comments: r.comments ?? "",
        tags: tagsOf(ctx, r),
        custom_fields: customFieldsOf(d, kind, r),
        created: r.created,
        last_updated: r.last_updated,
      };
    }
    case "vlans": {
      const r = row as RowTypes["vlans"];
      return {
        id: r.id,
        url: apiUrl(ctx, KIND_INFO[kind].path, r.id),
        display_url: uiUrl(ctx, KIND_INFO[kind].path, r.id),
        display: displayOf(d, kind, r),
        site: ref(ctx, "sites", r.site_id),
        group: ref(ctx, "vlan-groups", r.group_id),
        vid: r.vid,
        name: r.name,
        tenant: ref(ctx, "tenants", r.tenant_id),
        status: choice(CHOICES.vlanStatus, r.status),
        role: ref(ctx, "ipam-roles", r.role_id),
        description: r.description,
        qinq_role: null,
        qinq_svlan: null,
        owner: ownerOf(ctx),
        comments: r.comments ?? "",
        l2vpn_termination: null,
        tags: tagsOf(ctx, r),
        custom_fields: customFieldsOf(d, kind, r),
        created: r.created,
        last_updated: r.last_updated,
        prefix_count: d.count("prefixes", "vlan_id", r.id),
      };
    }
    case "clusters": {
      const r = row as RowTypes["clusters"];
      const vms = d.index("virtual-machines", "cluster_id", (v) => v.cluster_id).get(r.id) ?? [];
      let vcpus = 0;
      let memory = 0;
      let disk = 0;
      for (const id of vms) {
        const vm = d["virtual-machines"].get(id);
        vcpus += vm?.vcpus ?? 0;
        memory += vm?.memory ?? 0;
        disk += vm?.disk ?? 0;
      }
      const none = vms.length === 0;
      return {
        id: r.id,
        url: apiUrl(ctx, KIND_INFO[kind].path, r.id),
        display_url: uiUrl(ctx, KIND_INFO[kind].path, r.id),
        display: displayOf(d, kind, r),
        name: r.name,
        type: ref(ctx, "cluster-types", r.type_id),
        group: ref(ctx, "cluster-groups", r.group_id),
        status: choice(CHOICES.clusterStatus, r.status),
        tenant: ref(ctx, "tenants", r.tenant_id),
        scope_type: r.scope_type,
        scope_id: r.scope_id,
        scope: scopeOf(ctx, r.scope_type, r.scope_id),
        description: r.description,
        owner: ownerOf(ctx),
        comments: r.comments ?? "",
        tags: tagsOf(ctx, r),
        custom_fields: customFieldsOf(d, kind, r),
        created: r.created,
        last_updated: r.last_updated,
        device_count: d.count("devices", "cluster_id", r.id),
        virtualmachine_count: vms.length,
        allocated_vcpus: none ? null : vcpus,
        allocated_memory: none ? null : memory,
        allocated_disk: none ? null : disk,
      };
    }
    case "virtual-machines": {
      const r = row as RowTypes["virtual-machines"];
      const ip4 = ref(ctx, "ip-addresses", r.primary_ip4_id);
      const ip6 = ref(ctx, "ip-addresses", r.primary_ip6_id);
      const out: Json = {
        id: r.id,
        url: apiUrl(ctx, KIND_INFO[kind].path, r.id),
        display_url: uiUrl(ctx, KIND_INFO[kind].path, r.id),
        display: displayOf(d, kind, r),
        name: r.name,
        virtual_machine_type: ctx.minor >= 6 ? null : undefined,
        role: ref(ctx, "device-roles", r.role_id),
        status: choice(CHOICES.vmStatus, r.status),
        start_on_boot: { value: "off", label: "Off" },
        site: ref(ctx, "sites", r.site_id),
        cluster: ref(ctx, "clusters", r.cluster_id),
        device: ref(ctx, "devices", r.device_id),
        platform: ref(ctx, "platforms", r.platform_id),
        primary_ip: ip6 ?? ip4,
        primary_ip4: ip4,
        primary_ip6: ip6,
        vcpus: r.vcpus,
        memory: r.memory,
        disk: r.disk,
        description: r.description,
        serial: r.serial,
        tenant: ref(ctx, "tenants", r.tenant_id),
        owner: ownerOf(ctx),
        comments: r.comments ?? "",
        tags: (r.tags ?? []).map((t) => tagOf(ctx, t)),
        local_context_data: r.local_context_data,
        config_template: null,
        custom_fields: customFieldsOf(d, kind, r),
        created: r.created,
        last_updated: r.last_updated,
        interface_count: 0,
        virtual_disk_count: 0,
        config_context: excludeConfigContext ? undefined : configContextOf(d, r.local_context_data),
      };
      return out;
    }
  }
}

const APP_LABEL: Record<string, string> = {
  dcim: "DCIM",
  ipam: "IPAM",
  virtualization: "Virtualization",
  tenancy: "Tenancy",
};
const MODEL_VERBOSE: Record<string, string> = {
  site: "site",
  rack: "rack",
  device: "device",
  interface: "interface",
  prefix: "prefix",
  ipaddress: "IP address",
  vlan: "VLAN",
  cluster: "cluster",
  virtualmachine: "virtual machine",
  tenant: "tenant",
};
const ACTION_LABEL = { create: "Created", update: "Updated", delete: "Deleted" } as const;

/** `get_clean_data`: datetimes, MPTT and `_` keys removed; a missing side becomes {}. */
function clean(snapshot: Json | null): Json {
  if (!snapshot) return {};
  const out: Json = {};
  for (const [k, v] of Object.entries(snapshot)) {
    if (k === "created" || k === "last_updated" || k.startsWith("_") || k === "lft" || k === "rght") continue;
    out[k] = v;
  }
  return out;
}

export function objectChange(ctx: SerializeContext, c: ObjectChangeRow): Json {
  const [app = "", model = ""] = c.changed_object_type.split(".");
  const kind = (Object.keys(KIND_INFO) as FakeKind[]).find(
    (k) => KIND_INFO[k].objectType === c.changed_object_type,
  );
  const changed = kind ? ref(ctx, kind, c.changed_object_id) : null;
  const label = ACTION_LABEL[c.action];
  return {
    id: c.id,
    url: apiUrl(ctx, "core/object-changes", c.id),
    display_url: uiUrl(ctx, "core/changelog", c.id),
    display: `${APP_LABEL[app] ?? app} | ${MODEL_VERBOSE[model] ?? model} ${c.object_repr} ${label.toLowerCase()} by ${c.user_name}`,
    time: c.time,
    user: {
      id: c.user_id,
      url: apiUrl(ctx, "users/users", c.user_id),
      display: c.user_name,
      username: c.user_name,
    },
    user_name: c.user_name,
    request_id: c.request_id,
    action: { value: c.action, label },
    changed_object_type: c.changed_object_type,
    changed_object_id: c.changed_object_id,
    // Null once the object is gone.
    changed_object: changed,
    object_repr: ctx.minor >= 5 ? c.object_repr : undefined,
    message: ctx.minor >= 4 ? c.message : undefined,
    prechange_data: clean(c.prechange_data),
    postchange_data: clean(c.postchange_data),
  };
}

/** Webhook snapshots use DjangoJSONEncoder datetimes: millisecond precision with `Z`. */
export function webhookSnapshot(snapshot: Json | null): Json | null {
  if (!snapshot) return null;
  const out: Json = { ...snapshot };
  for (const k of ["created", "last_updated"]) {
    const v = out[k];
    if (typeof v === "string") out[k] = v.replace(/\.(\d{3})\d*Z$/, ".$1Z");
  }
  return out;
}
