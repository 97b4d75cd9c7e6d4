import { type ClassType, Field, Int, InterfaceType, ObjectType, registerEnumType } from "type-graphql";
import { toGlobalId } from "../common/global-id.js";
import { ConnectionType } from "../api/connection.js";
import { Node } from "../api/node.js";
import { JSONObjectScalar } from "../api/scalars.js";
import type { NetboxKind } from "./kinds.js";

// GraphQL names in capitals, database values as NetBox's endpoints name them.
export enum NetboxKindValue {
  SITE = "sites",
  RACK = "racks",
  DEVICE = "devices",
  INTERFACE = "interfaces",
  PREFIX = "prefixes",
  IP_ADDRESS = "ip-addresses",
  VLAN = "vlans",
  CLUSTER = "clusters",
  VIRTUAL_MACHINE = "virtual-machines",
  TENANT = "tenants",
}
registerEnumType(NetboxKindValue, {
  name: "NetboxKind",
  description: "A kind of NetBox object fedicentral mirrors.",
});

/** GraphQL type of each kind; it also names the kind in global ids. */
export const NETBOX_TYPE_NAMES: Readonly<Record<NetboxKind, string>> = {
  sites: "NetboxSite",
  racks: "NetboxRack",
  devices: "NetboxDevice",
  interfaces: "NetboxInterface",
  prefixes: "NetboxPrefix",
  "ip-addresses": "NetboxIpAddress",
  vlans: "NetboxVlan",
  clusters: "NetboxCluster",
  "virtual-machines": "NetboxVirtualMachine",
  tenants: "NetboxTenant",
};

@InterfaceType({
  implements: Node,
  description:
    "A NetBox object as mirrored: the fields fedicentral uses, and `raw`, the object as NetBox sent it.",
  resolveType: (value: { kind: NetboxKind }) => NETBOX_TYPE_NAMES[value.kind],
})
export abstract class NetboxObject extends Node {
  uuid: string;
  providerId: string;
  @Field(() => Int, { description: "The object's id in NetBox." }) netboxId: number;
  @Field(() => NetboxKindValue) kind: NetboxKindValue;
  @Field(() => String, { nullable: true, description: "NetBox's own rendering of the object's name." })
  display: string | null;
  @Field(() => String, { nullable: true }) name: string | null;
  @Field(() => String, { nullable: true, description: "The status choice value, e.g. `active`." })
  status: string | null;
  @Field(() => Int, { nullable: true, description: "NetBox id of the object's tenant." }) tenantId:
    number | null;
  @Field(() => JSONObjectScalar, { nullable: true }) customFields: object | null;
  @Field(() => Date, { nullable: true, description: "`last_updated` in NetBox." }) lastUpdated: string | null;
  @Field(() => Date, { description: "When fedicentral last wrote this object." }) syncedAt: string;
  @Field(() => Date, { nullable: true, description: "When the sync found the object gone from NetBox." })
  deletedAt: string | null;
}

/** Every typed column of a mirrored row; each concrete type exposes the ones of its kind. */
export type NetboxObjectRow = NetboxObject & {
  slug: string | null;
  role: string | null;
  siteId: number | null;
  rackId: number | null;
  deviceId: number | null;
  clusterId: number | null;
  virtualMachineId: number | null;
  vrfId: number | null;
  vid: number | null;
  address: string | null;
  prefix: string | null;
};

const objectType = (description: string) => ({
  implements: [Node, NetboxObject],
  description,
  simpleResolvers: true,
});

@ObjectType(objectType("A NetBox tenant; it may belong to an operator."))
export class NetboxTenant extends NetboxObject {
  @Field(() => String, { nullable: true }) slug: string | null;
}

@ObjectType(objectType("A NetBox site."))
export class NetboxSite extends NetboxObject {
  @Field(() => String, { nullable: true }) slug: string | null;
}

@ObjectType(objectType("A NetBox rack."))
export class NetboxRack extends NetboxObject {
  @Field(() => Int, { nullable: true }) siteId: number | null;
  @Field(() => String, { nullable: true, description: "Slug of the rack role." }) role: string | null;
}

@ObjectType(objectType("A NetBox device (physical hardware)."))
export class NetboxDevice extends NetboxObject {
  @Field(() => Int, { nullable: true }) siteId: number | null;
  @Field(() => Int, { nullable: true }) rackId: number | null;
  @Field(() => Int, { nullable: true }) clusterId: number | null;
  @Field(() => String, { nullable: true, description: "Slug of the device role." }) role: string | null;
}

@ObjectType(objectType("A NetBox device interface."))
export class NetboxInterface extends NetboxObject {
  @Field(() => Int, { nullable: true }) deviceId: number | null;
}

@ObjectType(objectType("A NetBox IP prefix."))
export class NetboxPrefix extends NetboxObject {
  @Field(() => String, { nullable: true, description: "The prefix, e.g. 192.0.2.0/24." }) prefix:
    string | null;
  @Field(() => Int, { nullable: true }) vrfId: number | null;
  @Field(() => Int, { nullable: true, description: "Set when the prefix is scoped to a site." })
  siteId: number | null;
  @Field(() => String, { nullable: true, description: "Slug of the IPAM role." }) role: string | null;
}

@ObjectType(objectType("A NetBox IP address."))
export class NetboxIpAddress extends NetboxObject {
  @Field(() => String, { nullable: true, description: "Address with mask, e.g. 192.0.2.10/24." })
  address: string | null;
  @Field(() => Int, { nullable: true }) vrfId: number | null;
  @Field(() => String, { nullable: true, description: "The IP role choice value, e.g. `loopback`." })
  role: string | null;
  @Field(() => Int, { nullable: true, description: "Device of the interface it is assigned to." })
  deviceId: number | null;
  @Field(() => Int, { nullable: true, description: "VM of the interface it is assigned to." })
  virtualMachineId: number | null;
}

@ObjectType(objectType("A NetBox VLAN."))
export class NetboxVlan extends NetboxObject {
  @Field(() => Int, { nullable: true }) vid: number | null;
  @Field(() => Int, { nullable: true }) siteId: number | null;
  @Field(() => String, { nullable: true }) role: string | null;
}

@ObjectType(objectType("A NetBox virtualization cluster."))
export class NetboxCluster extends NetboxObject {
  @Field(() => Int, { nullable: true, description: "Set when the cluster is scoped to a site." })
  siteId: number | null;
}

@ObjectType(objectType("A NetBox virtual machine."))
export class NetboxVirtualMachine extends NetboxObject {
  @Field(() => Int, { nullable: true }) siteId: number | null;
  @Field(() => Int, { nullable: true }) clusterId: number | null;
  @Field(() => Int, { nullable: true, description: "The device (host) it runs on, if pinned." })
  deviceId: number | null;
  @Field(() => String, { nullable: true }) role: string | null;
}

/** Every concrete type, for the schema's orphanedTypes. */
export const NETBOX_OBJECT_TYPES = [
  NetboxTenant,
  NetboxSite,
  NetboxRack,
  NetboxDevice,
  NetboxInterface,
  NetboxPrefix,
  NetboxIpAddress,
  NetboxVlan,
  NetboxCluster,
  NetboxVirtualMachine,
];

// An interface class is abstract; the connection only needs it as a type reference.
export const NetboxObjectConnection = ConnectionType(
  NetboxObject as unknown as ClassType<NetboxObject>,
  "NetboxObject",
);
export const NetboxVirtualMachineConnection = ConnectionType(NetboxVirtualMachine, "NetboxVirtualMachine");
export const NetboxIpAddressConnection = ConnectionType(NetboxIpAddress, "NetboxIpAddress");
export const NetboxPrefixConnection = ConnectionType(NetboxPrefix, "NetboxPrefix");
export const NetboxInterfaceConnection = ConnectionType(NetboxInterface, "NetboxInterface");

export function toNetboxObject(row: Record<string, unknown>): NetboxObjectRow {
  const o = row as unknown as NetboxObjectRow;
  o.uuid = o.id;
  o.id = toGlobalId(NETBOX_TYPE_NAMES[o.kind as unknown as NetboxKind], o.uuid);
  return o;
}

@ObjectType({ description: "What an operator sees of its NetBox tenants.", simpleResolvers: true })
export class OperatorNetbox {
  operatorUuid: string;
  providerUuid: string;
}
