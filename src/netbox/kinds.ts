import { NETBOX_KINDS, type NetboxKind } from "./netbox-client.js";

export { NETBOX_KINDS, type NetboxKind };

/** `app_label.model` of each mirrored kind, as object changes and webhooks name it. */
export const OBJECT_TYPES: Readonly<Record<NetboxKind, string>> = {
  sites: "dcim.site",
  racks: "dcim.rack",
  devices: "dcim.device",
  interfaces: "dcim.interface",
  prefixes: "ipam.prefix",
  "ip-addresses": "ipam.ipaddress",
  vlans: "ipam.vlan",
  clusters: "virtualization.cluster",
  "virtual-machines": "virtualization.virtualmachine",
  tenants: "tenancy.tenant",
};

const BY_OBJECT_TYPE = new Map(Object.entries(OBJECT_TYPES).map(([k, t]) => [t, k as NetboxKind]));
// NetBox ≤4.3 webhooks carry only the model name ("device"), without the app label.
const BY_MODEL = new Map(Object.entries(OBJECT_TYPES).map(([k, t]) => [t.split(".")[1]!, k as NetboxKind]));

export const kindOfObjectType = (objectType: string): NetboxKind | undefined =>
  BY_OBJECT_TYPE.get(objectType);
export const kindOfModel = (model: string): NetboxKind | undefined => BY_MODEL.get(model);

export const isNetboxKind = (k: string): k is NetboxKind => (NETBOX_KINDS as readonly string[]).includes(k);

/** Listing order of a full sync: referenced kinds before the ones that point at them (for readers mid-sync). */
export const SYNC_ORDER: readonly NetboxKind[] = [
  "tenants",
  "sites",
  "racks",
  "clusters",
  "vlans",
  "prefixes",
  "devices",
  "interfaces",
  "virtual-machines",
  "ip-addresses",
];

/** The configured kinds in sync order. */
export const inSyncOrder = (kinds: readonly string[]): NetboxKind[] =>
  SYNC_ORDER.filter((k) => kinds.includes(k));
