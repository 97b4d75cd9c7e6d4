// From a NetBox REST object (list, detail or webhook `data`) to the typed columns of netbox_object.
// Everything PostgreSQL would reject (a bad inet, an out-of-range id) is caught here, so one malformed
// object is skipped and reported instead of failing the statement that writes its whole page.
import { isIP } from "node:net";
import type { NetboxKind } from "./kinds.js";

export type MirrorRow = {
  netbox_id: number;
  name: string | null;
  slug: string | null;
  display: string | null;
  status: string | null;
  role: string | null;
  tenant_id: number | null;
  site_id: number | null;
  rack_id: number | null;
  device_id: number | null;
  cluster_id: number | null;
  virtual_machine_id: number | null;
  vrf_id: number | null;
  vid: number | null;
  address: string | null;
  prefix: string | null;
  custom_fields: Record<string, unknown> | null;
  last_updated: string | null;
  raw: Record<string, unknown>;
};

export type Extracted = { ok: true; row: MirrorRow } | { ok: false; reason: string };

const INT4_MAX = 2_147_483_647;

class Malformed extends Error {}

type Obj = Record<string, unknown>;

const isObj = (x: unknown): x is Obj => typeof x === "object" && x !== null && !Array.isArray(x);

function str(o: Obj, key: string, required = false): string | null {
  const v = o[key];
  if (v === undefined || v === null) {
    if (required) throw new Malformed(`missing ${key}`);
    return null;
  }
  if (typeof v !== "string") throw new Malformed(`${key} is not a string`);
  if (required && v === "") throw new Malformed(`empty ${key}`);
  return v;
}

function int(v: unknown, what: string): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v <= 0 || v > INT4_MAX) {
    throw new Malformed(`${what} is not a valid id`);
  }
  return v;
}

/** The id of a nested object (`{"id": 3, …}`), or null; anything else is malformed. */
function ref(o: Obj, key: string, required = false): number | null {
  const v = o[key];
  if (v === undefined || v === null) {
    if (required) throw new Malformed(`missing ${key}`);
    return null;
  }
  if (!isObj(v)) throw new Malformed(`${key} is not an object`);
  return int(v.id, `${key}.id`);
}

function refSlug(o: Obj, key: string): string | null {
  const v = o[key];
  if (v === undefined || v === null) return null;
  if (!isObj(v)) throw new Malformed(`${key} is not an object`);
  return typeof v.slug === "string" ? v.slug : null;
}

/** A choice field: `{value, label}` in REST, null when blank. */
function choice(o: Obj, key: string): string | null {
  const v = o[key];
  if (v === undefined || v === null) return null;
  if (isObj(v) && (typeof v.value === "string" || typeof v.value === "number")) return String(v.value);
  throw new Malformed(`${key} is not a choice`);
}

/** `address/len`, IPv4 or IPv6, as PostgreSQL's inet accepts it. */
function inet(value: string | null, what: string): string | null {
  if (value === null) return null;
  const m = /^([^/%\s]+)(?:\/(\d{1,3}))?$/.exec(value);
  const family = m ? isIP(m[1]!) : 0;
  const bits = m?.[2] === undefined ? null : Number(m[2]);
  if (!family || (bits !== null && bits > (family === 4 ? 32 : 128))) {
    throw new Malformed(`${what} ${JSON.stringify(value)} is not an IP address`);
  }
  return value;
}

/** A NetBox scope (prefixes, clusters, 4.2+) or the older `site` field: the site id when scoped to a site. */
function siteOfScope(o: Obj): number | null {
  if ("scope_type" in o) {
    if (o.scope_type !== "dcim.site" || o.scope_id === null || o.scope_id === undefined) return null;
    return int(o.scope_id, "scope_id");
  }
  return ref(o, "site");
}

function timestamp(o: Obj): string | null {
  const v = o.last_updated;
  if (v === undefined || v === null) return null;
  if (typeof v !== "string" || Number.isNaN(Date.parse(v))) throw new Malformed("last_updated is not a time");
  return v;
}

export function extractMirrorRow(kind: NetboxKind, raw: unknown): Extracted {
  try {
    if (!isObj(raw)) throw new Malformed("not an object");
    const o = raw;
    const cf = o.custom_fields;
    if (cf !== undefined && cf !== null && !isObj(cf)) throw new Malformed("custom_fields is not an object");
    const row: MirrorRow = {
      netbox_id: int(o.id, "id"),
      name: null,
      slug: null,
      display: str(o, "display"),
      status: choice(o, "status"),
      role: null,
      tenant_id: ref(o, "tenant"),
      site_id: null,
      rack_id: null,
      device_id: null,
      cluster_id: null,
      virtual_machine_id: null,
      vrf_id: null,
      vid: null,
      address: null,
      prefix: null,
      custom_fields: (cf as Obj | undefined) ?? null,
      last_updated: timestamp(o),
      raw: o,
    };
    fill[kind](o, row);
    return { ok: true, row };
  } catch (e) {
    if (e instanceof Malformed) return { ok: false, reason: e.message };
    throw e;
  }
}

const fill: Record<NetboxKind, (o: Obj, row: MirrorRow) => void> = {
  tenants: (o, r) => {
    r.name = str(o, "name", true);
    r.slug = str(o, "slug", true);
  },
  sites: (o, r) => {
    r.name = str(o, "name", true);
    r.slug = str(o, "slug", true);
  },
  racks: (o, r) => {
    r.name = str(o, "name", true);
    r.site_id = ref(o, "site", true);
    r.role = refSlug(o, "role");
  },
  devices: (o, r) => {
    r.name = str(o, "name");
    r.site_id = ref(o, "site", true);
    r.rack_id = ref(o, "rack");
    r.cluster_id = ref(o, "cluster");
    // `device_role` before NetBox 4.0.
    r.role = refSlug(o, "role") ?? refSlug(o, "device_role");
  },
  interfaces: (o, r) => {
    r.name = str(o, "name", true);
    r.device_id = ref(o, "device", true);
  },
  prefixes: (o, r) => {
    r.prefix = inet(str(o, "prefix", true), "prefix");
    if (!r.prefix!.includes("/")) throw new Malformed("prefix has no length");
    r.site_id = siteOfScope(o);
    r.vrf_id = ref(o, "vrf");
    r.role = refSlug(o, "role");
  },
  "ip-addresses": (o, r) => {
    r.address = inet(str(o, "address", true), "address");
    r.name = str(o, "dns_name") || null;
    r.vrf_id = ref(o, "vrf");
    r.role = choice(o, "role");
    const assigned = o.assigned_object;
    if (isObj(assigned)) {
      if (o.assigned_object_type === "dcim.interface") r.device_id = ref(assigned, "device");
      if (o.assigned_object_type === "virtualization.vminterface") {
        r.virtual_machine_id = ref(assigned, "virtual_machine");
      }
    }
  },
  vlans: (o, r) => {
    const vid = o.vid;
    if (typeof vid !== "number" || !Number.isInteger(vid) || vid < 1 || vid > 4094) {
      throw new Malformed("vid is not a VLAN id");
    }
    r.vid = vid;
    r.name = str(o, "name", true);
    r.site_id = ref(o, "site");
    r.role = refSlug(o, "role");
  },
  clusters: (o, r) => {
    r.name = str(o, "name", true);
    r.site_id = siteOfScope(o);
    r.role = refSlug(o, "type");
  },
  "virtual-machines": (o, r) => {
    r.name = str(o, "name", true);
    r.site_id = ref(o, "site");
    r.cluster_id = ref(o, "cluster");
    r.device_id = ref(o, "device");
    r.role = refSlug(o, "role");
  },
};

/** Whether PostgreSQL's inet would take the value (an address, with or without a length). */
export function isInet(value: string): boolean {
  try {
    inet(value, "value");
    return true;
  } catch {
    return false;
  }
}
