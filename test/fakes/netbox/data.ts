import { randomUUID } from "node:crypto";

import {
  AuxStore,
  FOREIGN_KEYS,
  KIND_INFO,
  Table,
  type AnyRow,
  type FakeKind,
  type ObjectChangeRow,
  type RowTypes,
} from "./model.js";

/** Decimal columns: the changelog serializer renders them as strings with the model's decimal places. */
const DECIMALS: Record<string, number> = { position: 1, latitude: 6, longitude: 6, vcpus: 2 };

let microCounter = 0;
/** ISO-8601 UTC with microseconds and `Z`, as DRF renders datetimes; unique within a millisecond. */
export function nowIso(date = new Date()): string {
  microCounter = (microCounter + 1) % 1000;
  return date
    .toISOString()
    .replace(/\.(\d{3})Z$/, (_m, ms: string) => `.${ms}${String(microCounter).padStart(3, "0")}Z`);
}

export interface ChangeOptions {
  userName?: string;
  userId?: number;
  requestId?: string;
  message?: string;
  /** Override the change time (ISO string). */
  time?: string;
}

export class ChangeLog extends Table<ObjectChangeRow> {
  record(entry: Omit<ObjectChangeRow, "id">): ObjectChangeRow {
    return this.insert({ id: this.nextId(), ...entry });
  }

  /** Housekeeping: NetBox prunes changes older than CHANGELOG_RETENTION (90 days by default). */
  prune(retentionDays = 90, now = Date.now()): number {
    const cutoff = now - retentionDays * 86_400_000;
    const old = this.all()
      .filter((c) => Date.parse(c.time) < cutoff)
      .map((c) => c.id);
    for (const id of old) this.delete(id);
    return old.length;
  }
}

type KindTables = { readonly [K in FakeKind]: Table<RowTypes[K]> };

/** The fake's database. Mutate through create/update/remove to get changelog entries, or the tables directly. */
export class FakeNetboxData implements KindTables {
  readonly sites = new Table<RowTypes["sites"]>();
  readonly racks = new Table<RowTypes["racks"]>();
  readonly devices = new Table<RowTypes["devices"]>();
  readonly interfaces = new Table<RowTypes["interfaces"]>();
  readonly prefixes = new Table<RowTypes["prefixes"]>();
  readonly "ip-addresses" = new Table<RowTypes["ip-addresses"]>();
  readonly vlans = new Table<RowTypes["vlans"]>();
  readonly clusters = new Table<RowTypes["clusters"]>();
  readonly "virtual-machines" = new Table<RowTypes["virtual-machines"]>();
  readonly tenants = new Table<RowTypes["tenants"]>();
  readonly aux = new AuxStore();
  readonly changes = new ChangeLog();
  /** Custom field names per kind; every one appears in `custom_fields` (null when unset). */
  customFields: Partial<Record<FakeKind, string[]>> = {};
  /** Rendered into `config_context` of devices and VMs, merged with local_context_data. */
  configContext: Record<string, unknown> = {};

  private readonly indexes = new Map<string, { version: number; index: Map<number, number[]> }>();

  table<K extends FakeKind>(kind: K): Table<RowTypes[K]> {
    return this[kind] as unknown as Table<RowTypes[K]>;
  }

  /** Reverse index `key(row) → ids`, rebuilt lazily when the table changes; backs the count fields. */
  index<K extends FakeKind>(
    kind: K,
    name: string,
    key: (row: RowTypes[K]) => number | null | undefined,
  ): Map<number, number[]> {
    const table = this.table(kind);
    const cacheKey = `${kind}:${name}`;
    const hit = this.indexes.get(cacheKey);
    if (hit && hit.version === table.version) return hit.index;
    const index = new Map<number, number[]>();
    for (const row of table.all()) {
      const k = key(row);
      if (k === null || k === undefined) continue;
      const list = index.get(k);
      if (list) list.push(row.id);
      else index.set(k, [row.id]);
    }
    this.indexes.set(cacheKey, { version: table.version, index });
    return index;
  }

  count<K extends FakeKind>(kind: K, field: keyof RowTypes[K] & string, id: number): number {
    return this.index(kind, field, (r) => r[field] as number | null).get(id)?.length ?? 0;
  }

  create<K extends FakeKind>(kind: K, fields: Partial<RowTypes[K]>, opts: ChangeOptions = {}): RowTypes[K] {
    const table = this.table(kind);
    const time = opts.time ?? nowIso();
    const row = {
      ...defaultRow(kind),
      created: time,
      last_updated: time,
      ...fields,
      id: fields.id ?? table.nextId(),
    } as RowTypes[K];
    table.insert(row);
    this.logChange(kind, "create", row, null, snapshot(this, kind, row), opts, time);
    return row;
  }

  update<K extends FakeKind>(
    kind: K,
    id: number,
    patch: Partial<RowTypes[K]>,
    opts: ChangeOptions = {},
  ): RowTypes[K] {
    const table = this.table(kind);
    const before = table.get(id);
    if (!before) throw new Error(`${kind} ${id} does not exist`);
    const pre = snapshot(this, kind, before);
    const time = opts.time ?? nowIso();
    const row = table.update(id, { ...patch, last_updated: time } as Partial<RowTypes[K]>);
    const post = snapshot(this, kind, row);
    // CHANGELOG_SKIP_EMPTY_CHANGES: a save that changes nothing but last_updated leaves no record.
    if (JSON.stringify(stripTimes(pre)) !== JSON.stringify(stripTimes(post))) {
      this.logChange(kind, "update", row, pre, post, opts, time);
    }
    return row;
  }

  remove<K extends FakeKind>(kind: K, id: number, opts: ChangeOptions = {}): RowTypes[K] | undefined {
    const table = this.table(kind);
    const row = table.get(id);
    if (!row) return undefined;
    const pre = snapshot(this, kind, row);
    table.delete(id);
    this.logChange(kind, "delete", row, pre, null, opts, opts.time ?? nowIso());
    return row;
  }

  private logChange(
    kind: FakeKind,
    action: ObjectChangeRow["action"],
    row: AnyRow,
    pre: Record<string, unknown> | null,
    post: Record<string, unknown> | null,
    opts: ChangeOptions,
    time: string,
  ): void {
    const related =
      kind === "interfaces" ? { type: "dcim.device", id: (row as RowTypes["interfaces"]).device_id } : null;
    this.changes.record({
      time,
      user_id: opts.userId ?? 1,
      user_name: opts.userName ?? "admin",
      request_id: opts.requestId ?? randomUUID(),
      action,
      changed_object_type: KIND_INFO[kind].objectType,
      changed_object_id: row.id,
      related_object_type: related?.type ?? null,
      related_object_id: related?.id ?? null,
      object_repr: displayOf(this, kind, row),
      message: opts.message ?? "",
      prechange_data: pre,
      postchange_data: post,
    });
  }
}

const stripTimes = (s: Record<string, unknown>) => ({ ...s, created: undefined, last_updated: undefined });

/** `str(obj)` per model, which NetBox uses for `display` and `object_repr`. */
export function displayOf(data: FakeNetboxData, kind: FakeKind, row: AnyRow): string {
  switch (kind) {
    case "devices": {
      const d = row as RowTypes["devices"];
      if (d.name) return d.asset_tag ? `${d.name} (${d.asset_tag})` : d.name;
      const dt = data.aux.get("device-types", d.device_type_id);
      const mf = dt?.manufacturer_id ? data.aux.get("manufacturers", dt.manufacturer_id) : undefined;
      return `${mf?.name ?? "Unknown"} ${dt?.name ?? "Unknown"} (${d.id})`;
    }
    case "racks": {
      const r = row as RowTypes["racks"];
      return r.facility_id ? `${r.name} (${r.facility_id})` : r.name;
    }
    case "interfaces": {
      const i = row as RowTypes["interfaces"];
      return i.label ? `${i.name} (${i.label})` : i.name;
    }
    case "vlans": {
      const v = row as RowTypes["vlans"];
      return `${v.name} (${v.vid})`;
    }
    case "prefixes":
      return (row as RowTypes["prefixes"]).prefix;
    case "ip-addresses":
      return (row as RowTypes["ip-addresses"]).address;
    default:
      return (row as { name: string }).name;
  }
}

/**
 * The changelog serializer's view of a row (`utilities/serialization.py serialize_object`):
 * no pk, FK columns under the field name with raw ids, decimals as strings, tag names sorted,
 * every custom field. Includes created/last_updated; the object-changes API strips those.
 */
export function snapshot(data: FakeNetboxData, kind: FakeKind, row: AnyRow): Record<string, unknown> {
  const fks = FOREIGN_KEYS[kind] as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    if (key === "id" || key === "tags" || key === "custom_fields") continue;
    const name = key in fks ? key.slice(0, -3) : key;
    const places = DECIMALS[key];
    out[name] = places !== undefined && typeof value === "number" ? value.toFixed(places) : value;
  }
  out.comments ??= "";
  out.custom_fields = customFieldsOf(data, kind, row);
  out.tags = [...(row.tags ?? [])].sort();
  return out;
}

export function customFieldsOf(data: FakeNetboxData, kind: FakeKind, row: AnyRow): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of data.customFields[kind] ?? []) out[name] = row.custom_fields?.[name] ?? null;
  return out;
}

/** Column defaults for rows created through the API or `create()` with partial fields. */
export function defaultRow(kind: FakeKind): Partial<AnyRow> {
  const base = { description: "", comments: "" };
  switch (kind) {
    case "tenants":
      return { ...base, name: "tenant", slug: "tenant", group_id: null };
    case "sites":
      return {
        ...base,
        name: "site",
        slug: "site",
        status: "active",
        region_id: null,
        tenant_id: null,
        facility: "",
        time_zone: null,
        physical_address: "",
        latitude: null,
        longitude: null,
      };
    case "racks":
      return {
        ...base,
        name: "rack",
        facility_id: null,
        location_id: null,
        group_id: null,
        tenant_id: null,
        status: "active",
        role_id: null,
        serial: "",
        asset_tag: null,
        u_height: 42,
      };
    case "devices":
      return {
        ...base,
        name: null,
        device_type_id: 1,
        role_id: 1,
        tenant_id: null,
        platform_id: null,
        serial: "",
        asset_tag: null,
        location_id: null,
        rack_id: null,
        position: null,
        face: null,
        status: "active",
        airflow: null,
        primary_ip4_id: null,
        primary_ip6_id: null,
        oob_ip_id: null,
        cluster_id: null,
        local_context_data: null,
      };
    case "interfaces":
      return {
        ...base,
        label: "",
        type: "1000base-t",
        enabled: true,
        mtu: null,
        mac_address: null,
        speed: null,
        mgmt_only: false,
        mode: null,
        untagged_vlan_id: null,
        vrf_id: null,
      };
    case "prefixes":
      return {
        ...base,
        vrf_id: null,
        scope_type: null,
        scope_id: null,
        tenant_id: null,
        vlan_id: null,
        status: "active",
        role_id: null,
        is_pool: false,
        mark_utilized: false,
      };
    case "ip-addresses":
      return {
        ...base,
        vrf_id: null,
        tenant_id: null,
        status: "active",
        role: null,
        assigned_object_type: null,
        assigned_object_id: null,
        nat_inside_id: null,
        dns_name: "",
      };
    case "vlans":
      return { ...base, site_id: null, group_id: null, tenant_id: null, status: "active", role_id: null };
    case "clusters":
      return {
        ...base,
        type_id: 1,
        group_id: null,
        status: "active",
        tenant_id: null,
        scope_type: null,
        scope_id: null,
      };
    case "virtual-machines":
      return {
        ...base,
        role_id: null,
        status: "active",
        site_id: null,
        cluster_id: null,
        device_id: null,
        platform_id: null,
        primary_ip4_id: null,
        primary_ip6_id: null,
        vcpus: null,
        memory: null,
        disk: null,
        serial: "",
        tenant_id: null,
        local_context_data: null,
      };
  }
}
