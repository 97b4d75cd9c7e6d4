// Filtersets, ordering and pagination of the fake (README.md, "The NetBox contract" §3).
import type { FakeNetboxData } from "./data.js";
import { CHOICES, KIND_INFO, type AuxKind, type FakeKind } from "./model.js";

type Row = { id: number };
type Getter = (row: Row, data: FakeNetboxData) => unknown;
type FilterType = "number" | "string" | "datetime" | "fk" | "choice" | "bool" | "search";

interface FilterDef {
  type: FilterType;
  get: Getter;
  /** For fk filters: where ids must exist. */
  ref?: FakeKind | AuxKind;
  choices?: readonly string[];
  /** A fixed lookup without suffixes (object-changes time_after/time_before). */
  fixed?: "gte" | "lte";
  /** Sortable through `ordering=` under the filter name. */
  orderable?: boolean;
}

const LOOKUPS: Record<FilterType, readonly string[]> = {
  number: ["n", "lt", "lte", "gt", "gte", "empty"],
  datetime: ["n", "lt", "lte", "gt", "gte", "empty"],
  string: ["n", "ic", "nic", "isw", "nisw", "iew", "niew", "ie", "nie", "empty", "regex", "iregex"],
  fk: ["n"],
  choice: ["n"],
  bool: [],
  search: [],
};

const col =
  (name: string): Getter =>
  (row) =>
    (row as unknown as Record<string, unknown>)[name];

const f = (type: FilterType, get: Getter | string, extra: Partial<FilterDef> = {}): FilterDef => ({
  type,
  get: typeof get === "string" ? col(get) : get,
  orderable: typeof get === "string" && type !== "search",
  ...extra,
});
const fk = (column: string, ref: FakeKind | AuxKind) => f("fk", column, { ref });
const choiceOf = (column: string, map: Record<string, string>) =>
  f("choice", column, { choices: Object.keys(map) });
const search =
  (...cols: string[]): Getter =>
  (row) =>
    cols.map((c) => (row as unknown as Record<string, unknown>)[c]);

const common = (...searchCols: string[]): Record<string, FilterDef> => ({
  id: f("number", "id"),
  created: f("datetime", "created"),
  last_updated: f("datetime", "last_updated"),
  description: f("string", "description"),
  tag: f("string", (r) => (r as unknown as { tags?: string[] }).tags ?? []),
  q: f("search", search(...searchCols, "description")),
});

const deviceSite: Getter = (r, d) =>
  d.devices.get((r as unknown as { device_id: number }).device_id)?.site_id ?? null;
const siteScope: Getter = (r) => {
  const x = r as unknown as { scope_type: string | null; scope_id: number | null };
  return x.scope_type === "dcim.site" ? x.scope_id : null;
};
const assignedInterface: Getter = (r) => {
  const x = r as unknown as { assigned_object_type: string | null; assigned_object_id: number | null };
  return x.assigned_object_type === "dcim.interface" ? x.assigned_object_id : null;
};

export const FILTERS: Record<FakeKind | "object-changes", Record<string, FilterDef>> = {
  tenants: {
    ...common("name", "slug"),
    name: f("string", "name"),
    slug: f("string", "slug"),
    group_id: fk("group_id", "tenant-groups"),
  },
  sites: {
    ...common("name", "slug", "facility"),
    name: f("string", "name"),
    slug: f("string", "slug"),
    facility: f("string", "facility"),
    status: choiceOf("status", CHOICES.siteStatus),
    tenant_id: fk("tenant_id", "tenants"),
    region_id: fk("region_id", "regions"),
  },
  racks: {
    ...common("name", "facility_id", "serial"),
    name: f("string", "name"),
    facility_id: f("string", "facility_id"),
    serial: f("string", "serial"),
    asset_tag: f("string", "asset_tag"),
    status: choiceOf("status", CHOICES.rackStatus),
    site_id: fk("site_id", "sites"),
    location_id: fk("location_id", "locations"),
    tenant_id: fk("tenant_id", "tenants"),
    role_id: fk("role_id", "rack-roles"),
  },
  devices: {
    ...common("name", "serial", "asset_tag"),
    name: f("string", "name"),
    serial: f("string", "serial"),
    asset_tag: f("string", "asset_tag"),
    status: choiceOf("status", CHOICES.deviceStatus),
    site_id: fk("site_id", "sites"),
    location_id: fk("location_id", "locations"),
    rack_id: fk("rack_id", "racks"),
    tenant_id: fk("tenant_id", "tenants"),
    role_id: fk("role_id", "device-roles"),
    device_type_id: fk("device_type_id", "device-types"),
    platform_id: fk("platform_id", "platforms"),
    cluster_id: fk("cluster_id", "clusters"),
    has_primary_ip: f("bool", (r) => {
      const x = r as unknown as { primary_ip4_id: number | null; primary_ip6_id: number | null };
      return x.primary_ip4_id !== null || x.primary_ip6_id !== null;
    }),
  },
  interfaces: {
    ...common("name", "label"),
    name: f("string", "name"),
    label: f("string", "label"),
    type: choiceOf("type", CHOICES.interfaceType),
    enabled: f("bool", "enabled"),
    mgmt_only: f("bool", "mgmt_only"),
    mtu: f("number", "mtu"),
    speed: f("number", "speed"),
    mac_address: f("string", "mac_address"),
    device_id: fk("device_id", "devices"),
    site_id: f("fk", deviceSite, { ref: "sites" }),
    vrf_id: fk("vrf_id", "vrfs"),
  },
  prefixes: {
    ...common("prefix"),
    prefix: f("string", "prefix"),
    status: choiceOf("status", CHOICES.prefixStatus),
    vrf_id: fk("vrf_id", "vrfs"),
    tenant_id: fk("tenant_id", "tenants"),
    vlan_id: fk("vlan_id", "vlans"),
    role_id: fk("role_id", "ipam-roles"),
    site_id: f("fk", siteScope, { ref: "sites" }),
    scope_type: f("string", "scope_type"),
    scope_id: f("number", "scope_id"),
    is_pool: f("bool", "is_pool"),
  },
  "ip-addresses": {
    ...common("address", "dns_name"),
    address: f("string", "address"),
    dns_name: f("string", "dns_name"),
    status: choiceOf("status", CHOICES.ipStatus),
    role: choiceOf("role", CHOICES.ipRole),
    vrf_id: fk("vrf_id", "vrfs"),
    tenant_id: fk("tenant_id", "tenants"),
    assigned_object_type: f("string", "assigned_object_type"),
    assigned_object_id: f("number", "assigned_object_id"),
    interface_id: f("fk", assignedInterface, { ref: "interfaces" }),
    device_id: f(
      "fk",
      (r, d) => {
        const iface = assignedInterface(r, d) as number | null;
        return iface === null ? null : (d.interfaces.get(iface)?.device_id ?? null);
      },
      { ref: "devices" },
    ),
    nat_inside_id: fk("nat_inside_id", "ip-addresses"),
  },
  vlans: {
    ...common("name"),
    name: f("string", "name"),
    vid: f("number", "vid"),
    status: choiceOf("status", CHOICES.vlanStatus),
    site_id: fk("site_id", "sites"),
    group_id: fk("group_id", "vlan-groups"),
    tenant_id: fk("tenant_id", "tenants"),
    role_id: fk("role_id", "ipam-roles"),
  },
  clusters: {
    ...common("name"),
    name: f("string", "name"),
    status: choiceOf("status", CHOICES.clusterStatus),
    type_id: fk("type_id", "cluster-types"),
    group_id: fk("group_id", "cluster-groups"),
    tenant_id: fk("tenant_id", "tenants"),
    site_id: f("fk", siteScope, { ref: "sites" }),
    scope_type: f("string", "scope_type"),
    scope_id: f("number", "scope_id"),
  },
  "virtual-machines": {
    ...common("name", "serial"),
    name: f("string", "name"),
    serial: f("string", "serial"),
    status: choiceOf("status", CHOICES.vmStatus),
    cluster_id: fk("cluster_id", "clusters"),
    site_id: fk("site_id", "sites"),
    device_id: fk("device_id", "devices"),
    tenant_id: fk("tenant_id", "tenants"),
    role_id: fk("role_id", "device-roles"),
    platform_id: fk("platform_id", "platforms"),
  },
  // core/filtersets.py ObjectChangeFilterSet: `time` is a range filter, so time__gte is NOT a filter.
  "object-changes": {
    id: f("number", "id"),
    time_after: f("datetime", "time", { fixed: "gte", orderable: false }),
    time_before: f("datetime", "time", { fixed: "lte", orderable: false }),
    time: { type: "datetime", get: col("time"), fixed: "gte", orderable: true },
    action: f("choice", "action", { choices: ["create", "update", "delete"] }),
    changed_object_type: f("string", "changed_object_type"),
    changed_object_id: f("number", "changed_object_id"),
    related_object_type: f("string", "related_object_type"),
    related_object_id: f("number", "related_object_id"),
    request_id: f("string", "request_id"),
    user_id: f("number", "user_id"),
    user_name: f("string", "user_name"),
    object_repr: f("string", "object_repr"),
    q: f("search", search("user_name", "object_repr", "message")),
  },
};
// `time` exists only for ordering=time; as a query parameter NetBox has no plain `time` filter.
const ORDER_ONLY = new Set(["object-changes:time"]);

/** Parameters that are not filters. `start`/`omit` are only reserved where the version has them. */
export const reservedParams = (minor: number): Set<string> =>
  new Set([
    "limit",
    "offset",
    "brief",
    "fields",
    "exclude",
    "ordering",
    "format",
    ...(minor >= 6 ? ["start"] : []),
    ...(minor >= 5 ? ["omit"] : []),
  ]);

export type Predicate = (row: Row) => boolean;

export class BadRequest extends Error {
  constructor(readonly body: unknown) {
    super("bad request");
  }
}

const DT_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** Django forms.DateTimeField input → epoch microseconds; naive values are UTC (TIME_ZONE). */
export function parseDateTime(value: string): number | null {
  const m = DT_RE.exec(value.trim());
  if (!m) return null;
  const [, y, mo, d, h = "00", mi = "00", s = "00", frac = "", tz = "Z"] = m;
  const base = Date.parse(
    `${y}-${mo}-${d}T${h}:${mi}:${s}${tz === "Z" ? "Z" : tz.replace(/^([+-]\d{2})(\d{2})$/, "$1:$2")}`,
  );
  if (Number.isNaN(base)) return null;
  return base * 1000 + Number(frac.padEnd(6, "0"));
}

const truthy = (v: string): boolean | null => {
  const s = v.toLowerCase();
  if (["true", "1", "yes", "on"].includes(s)) return true;
  if (["false", "0", "no", "off"].includes(s)) return false;
  return null;
};

const invalidChoice = (v: string) => `Select a valid choice. ${v} is not one of the available choices.`;

/**
 * Builds the AND of all recognised filter parameters. Unknown parameters are silently ignored,
 * as in NetBox (#19579). Also returns id bounds so id-ordered scans can start with a binary search.
 */
export function buildFilters(
  kind: FakeKind | "object-changes",
  params: URLSearchParams,
  data: FakeNetboxData,
  minor: number,
): { predicates: Predicate[]; idMin: number; idMax: number } {
  const defs = FILTERS[kind];
  const reserved = reservedParams(minor);
  const errors: Record<string, string[]> = {};
  const predicates: Predicate[] = [];
  let idMin = -Infinity;
  let idMax = Infinity;

  for (const key of new Set(params.keys())) {
    if (reserved.has(key)) continue;
    let name = key;
    let lookup = "exact";
    let def = defs[key];
    if (def && ORDER_ONLY.has(`${kind}:${key}`)) continue;
    if (!def) {
      const i = key.lastIndexOf("__");
      if (i <= 0) continue;
      name = key.slice(0, i);
      lookup = key.slice(i + 2);
      def = defs[name];
      if (!def || def.fixed || !LOOKUPS[def.type].includes(lookup) || ORDER_ONLY.has(`${kind}:${name}`))
        continue;
    }
    if (def.fixed) lookup = def.fixed;
    const values = params.getAll(key);
    const get = def.get;
    const fail = (msg: string) => (errors[key] ??= []).push(msg);

    if (lookup === "empty") {
      const want = truthy(values[0] ?? "");
      if (want === null) fail(invalidChoice(values[0] ?? ""));
      else predicates.push((r) => isEmpty(get(r, data)) === want);
      continue;
    }

    switch (def.type) {
      case "number":
      case "datetime": {
        const parsed: number[] = [];
        for (const v of values) {
          const n =
            def.type === "number" ? (/^-?\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : null) : parseDateTime(v);
          if (n === null) fail(def.type === "number" ? "Enter a number." : "Enter a valid date/time.");
          else parsed.push(n);
        }
        if (parsed.length !== values.length) break;
        const conv =
          def.type === "number"
            ? (x: unknown) => (typeof x === "number" ? x : null)
            : (x: unknown) => (typeof x === "string" ? parseDateTime(x) : null);
        const cmp = COMPARE[lookup]!;
        if (name === "id") {
          if (lookup === "gt") idMin = Math.max(idMin, Math.min(...parsed) + 1);
          if (lookup === "gte") idMin = Math.max(idMin, Math.min(...parsed));
          if (lookup === "lt") idMax = Math.min(idMax, Math.max(...parsed) - 1);
          if (lookup === "lte") idMax = Math.min(idMax, Math.max(...parsed));
        }
        if (lookup === "n") predicates.push((r) => !parsed.includes(conv(get(r, data)) as number));
        else
          predicates.push((r) => {
            const x = conv(get(r, data));
            return x !== null && parsed.some((p) => cmp(x, p));
          });
        break;
      }
      case "fk": {
        const ids: (number | null)[] = [];
        for (const v of values) {
          if (v === "null") ids.push(null);
          else if (/^\d+$/.test(v) && exists(data, def.ref!, Number(v))) ids.push(Number(v));
          else fail(invalidChoice(v));
        }
        if (ids.length !== values.length) break;
        const neg = lookup === "n";
        predicates.push((r) => ids.includes((get(r, data) as number | null) ?? null) !== neg);
        break;
      }
      case "choice": {
        const bad = values.filter((v) => !def.choices!.includes(v));
        if (bad.length) {
          bad.forEach((v) => fail(invalidChoice(v)));
          break;
        }
        const neg = lookup === "n";
        predicates.push((r) => values.includes(get(r, data) as string) !== neg);
        break;
      }
      case "bool": {
        const want = truthy(values[0] ?? "");
        if (want === null) fail(invalidChoice(values[0] ?? ""));
        else predicates.push((r) => Boolean(get(r, data)) === want);
        break;
      }
      case "search": {
        const needle = (values[0] ?? "").toLowerCase();
        if (!needle) break;
        predicates.push((r) =>
          (get(r, data) as unknown[]).some((x) => typeof x === "string" && x.toLowerCase().includes(needle)),
        );
        break;
      }
      case "string": {
        const match = STRING_MATCH[lookup.replace(/^n(?=(ic|isw|iew|ie)$)|^n$/, "") || "exact"]!;
        const negated = lookup === "n" || /^n(ic|isw|iew|ie)$/.test(lookup);
        let regexes: RegExp[] | null = null;
        if (lookup === "regex" || lookup === "iregex") {
          try {
            regexes = values.map((v) => new RegExp(v, lookup === "iregex" ? "i" : ""));
          } catch {
            fail("Invalid regular expression.");
            break;
          }
        }
        predicates.push((r) => {
          const raw = get(r, data);
          const list = Array.isArray(raw) ? raw : [raw];
          const hit = list.some(
            (x) =>
              typeof x === "string" &&
              (regexes ? regexes.some((re) => re.test(x)) : values.some((v) => match(x, v))),
          );
          return hit !== negated;
        });
        break;
      }
    }
  }
  if (Object.keys(errors).length) throw new BadRequest(errors);
  return { predicates, idMin, idMax };
}

const isEmpty = (x: unknown) =>
  x === null || x === undefined || x === "" || (Array.isArray(x) && x.length === 0);

const COMPARE: Record<string, (a: number, b: number) => boolean> = {
  exact: (a, b) => a === b,
  n: (a, b) => a === b,
  lt: (a, b) => a < b,
  lte: (a, b) => a <= b,
  gt: (a, b) => a > b,
  gte: (a, b) => a >= b,
};

const STRING_MATCH: Record<string, (x: string, v: string) => boolean> = {
  exact: (x, v) => x === v,
  ic: (x, v) => x.toLowerCase().includes(v.toLowerCase()),
  isw: (x, v) => x.toLowerCase().startsWith(v.toLowerCase()),
  iew: (x, v) => x.toLowerCase().endsWith(v.toLowerCase()),
  ie: (x, v) => x.toLowerCase() === v.toLowerCase(),
  regex: () => false,
  iregex: () => false,
};

function exists(data: FakeNetboxData, ref: FakeKind | AuxKind, id: number): boolean {
  return ref in KIND_INFO
    ? data.table(ref as FakeKind).get(id) !== undefined
    : data.aux.get(ref as AuxKind, id) !== undefined;
}

// ---- Ordering ----

interface OrderKey {
  get: (row: Row, data: FakeNetboxData) => unknown;
  desc: boolean;
  nullsFirst?: boolean;
}

const by = (column: string, desc = false, nullsFirst?: boolean): OrderKey => ({
  get: col(column),
  desc,
  nullsFirst,
});

/** Each model's Meta.ordering in NetBox: mostly by name (NetBox contract §3). */
const DEFAULT_ORDERING: Record<FakeKind | "object-changes", OrderKey[]> = {
  sites: [by("name")],
  racks: [by("site_id"), by("location_id"), by("name"), by("id")],
  devices: [by("name"), by("id")],
  interfaces: [
    by("device_id"),
    { get: (r) => naturalKey((r as unknown as { name: string }).name), desc: false },
  ],
  prefixes: [by("vrf_id", false, true), by("prefix"), by("id")],
  "ip-addresses": [by("address"), by("id")],
  vlans: [by("site_id"), by("group_id"), by("vid"), by("id")],
  clusters: [by("name")],
  "virtual-machines": [by("name"), by("id")],
  tenants: [by("name")],
  "object-changes": [by("time", true)],
};

/** Zero-pads digit runs so a plain string compare approximates NetBox's natural interface ordering. */
const naturalKey = (s: string) => s.replace(/\d+/g, (d) => d.padStart(8, "0"));

export interface OrderingSpec {
  /** "id" / "-id" mean the table order (or its reverse); otherwise keys to sort by. */
  keys: OrderKey[];
  cacheKey: string;
  idAscending: boolean;
}

/** DRF OrderingFilter: comma-separated, `-` for descending, invalid names silently ignored. */
export function parseOrdering(kind: FakeKind | "object-changes", raw: string | null): OrderingSpec {
  const defs = FILTERS[kind];
  const keys: OrderKey[] = [];
  const names: string[] = [];
  for (const part of (raw ?? "").split(",")) {
    const p = part.trim();
    if (!p) continue;
    const desc = p.startsWith("-");
    const name = desc ? p.slice(1) : p;
    const def = defs[name];
    let get: Getter | undefined = def?.orderable ? def.get : undefined;
    // FK fields order by the referenced id (`ordering=site`).
    if (!get && defs[`${name}_id`]?.type === "fk") get = defs[`${name}_id`]!.get;
    if (!get) continue;
    keys.push({ get, desc });
    names.push(p);
  }
  if (keys.length === 0) {
    return { keys: DEFAULT_ORDERING[kind], cacheKey: "default", idAscending: false };
  }
  return { keys, cacheKey: names.join(","), idAscending: names[0] === "id" };
}

export function sortRows<R extends Row>(rows: readonly R[], keys: OrderKey[], data: FakeNetboxData): R[] {
  const decorated = rows.map((row) => ({ row, k: keys.map((key) => key.get(row, data)) }));
  decorated.sort((a, b) => {
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      const c = compareValues(a.k[i], b.k[i], key.nullsFirst ?? key.desc);
      if (c !== 0) return key.desc ? -c : c;
    }
    return a.row.id - b.row.id;
  });
  return decorated.map((d) => d.row);
}

function compareValues(a: unknown, b: unknown, nullsFirst: boolean): number {
  const an = a === null || a === undefined;
  const bn = b === null || b === undefined;
  if (an || bn) {
    if (an && bn) return 0;
    // Postgres: NULLS LAST for ascending order.
    return an === nullsFirst ? -1 : 1;
  }
  if (typeof a === "number" && typeof b === "number") return a - b;
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

// ---- Pagination ----

export interface PageWindow<R> {
  results: R[];
  /** Total matches (offset mode) or null (cursor mode). */
  count: number | null;
}

/** Scans `rows[from, to)` applying predicates; stops early in cursor mode. */
export function paginate<R extends Row>(
  rows: readonly R[],
  from: number,
  to: number,
  predicates: Predicate[],
  offset: number,
  limit: number,
  cursor: boolean,
): PageWindow<R> {
  if (predicates.length === 0) {
    const start = Math.min(from + offset, to);
    return { results: rows.slice(start, Math.min(start + limit, to)), count: cursor ? null : to - from };
  }
  const results: R[] = [];
  let matched = 0;
  for (let i = from; i < to; i++) {
    const row = rows[i]!;
    if (!predicates.every((p) => p(row))) continue;
    if (matched >= offset && results.length < limit) results.push(row);
    matched++;
    if (cursor && results.length >= limit) break;
  }
  return { results, count: cursor ? null : matched };
}

/** DRF replace_query_param: parameters re-sorted alphabetically by key. */
export function replaceQuery(
  absPath: string,
  params: URLSearchParams,
  set: Record<string, string | null>,
): string {
  const entries = new Map<string, string[]>();
  for (const key of params.keys()) entries.set(key, params.getAll(key));
  for (const [k, v] of Object.entries(set)) {
    if (v === null) entries.delete(k);
    else entries.set(k, [v]);
  }
  const out = new URLSearchParams();
  for (const key of [...entries.keys()].sort()) for (const v of entries.get(key)!) out.append(key, v);
  return `${absPath}?${out.toString()}`;
}
