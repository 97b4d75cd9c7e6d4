import { badInput } from "../common/errors.js";
import { SqlFilter } from "../db/list-page.js";
import type { NetboxKind } from "./kinds.js";
import { isInet } from "./mirror-row.js";
import type { NetboxObjectFilter } from "./netbox.inputs.js";

/** The WHERE conditions of a mirror listing: the provider's live objects of one kind, filtered. */
export function objectFilter(providerId: string, kind: NetboxKind, filter: NetboxObjectFilter): SqlFilter {
  const f = new SqlFilter();
  f.add((p) => `t.provider_id = ${p}`, providerId);
  f.add((p) => `t.kind = ${p}`, kind);
  if (!filter.includeDeleted) f.where.push(`t.deleted_at IS NULL`);
  if (filter.nameContains)
    f.add((p) => `t.name ILIKE ${p}`, `%${filter.nameContains.replace(/[\\%_]/g, "\\$&")}%`);
  if (filter.slug) f.add((p) => `t.slug = ${p}`, filter.slug);
  if (filter.status?.length) f.add((p) => `t.status = ANY(${p}::text[])`, filter.status);
  if (filter.role?.length) f.add((p) => `t.role = ANY(${p}::text[])`, filter.role);
  const ids = [
    ["siteId", "site_id"],
    ["rackId", "rack_id"],
    ["deviceId", "device_id"],
    ["clusterId", "cluster_id"],
    ["virtualMachineId", "virtual_machine_id"],
    ["tenantId", "tenant_id"],
    ["vrfId", "vrf_id"],
    ["vid", "vid"],
  ] as const;
  for (const [field, column] of ids) {
    const v = filter[field];
    if (v !== undefined && v !== null) f.add((p) => `t.${column} = ${p}`, v);
  }
  const bySlug = (column: string, refKind: NetboxKind, slug: string) =>
    f.add(
      (p) => `t.${column} IN (SELECT r.netbox_id FROM netbox_object r WHERE r.provider_id = t.provider_id
                AND r.kind = '${refKind}' AND r.slug = ${p} AND r.deleted_at IS NULL)`,
      slug,
    );
  if (filter.siteSlug) bySlug("site_id", "sites", filter.siteSlug);
  if (filter.tenantSlug) bySlug("tenant_id", "tenants", filter.tenantSlug);
  if (filter.withinPrefix) {
    // An address keeps its subnet's mask (10.0.0.5/24): its host part is what lies in the prefix.
    const column =
      kind === "ip-addresses" ? "(host(t.address)::inet)" : kind === "prefixes" ? "t.prefix" : null;
    if (!column) throw badInput("filter.withinPrefix", "withinPrefix applies to IP addresses and prefixes");
    if (!isInet(filter.withinPrefix)) throw badInput("filter.withinPrefix", "withinPrefix is not a prefix");
    // network() drops host bits, so 10.1.2.3/8 means 10.0.0.0/8 rather than an error.
    f.add((p) => `${column} <<= network(${p}::inet)`, filter.withinPrefix);
  }
  if (filter.containing) {
    if (kind !== "prefixes") throw badInput("filter.containing", "containing applies to prefixes");
    if (!isInet(filter.containing)) throw badInput("filter.containing", "containing is not an address");
    f.add((p) => `t.prefix >>= ${p}::inet`, filter.containing);
  }
  return f;
}
