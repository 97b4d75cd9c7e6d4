import { Field, InputType, Int } from "type-graphql";
import { NetboxKindValue } from "./netbox.types.js";
import { NetboxSyncModeValue, NetboxSyncStateValue } from "./sync-run.types.js";

@InputType()
export class NetboxScheduleInput {
  @Field(() => Boolean, { nullable: true, description: "Run syncs on the schedule (default true)." })
  enabled?: boolean;
  @Field(() => Int, {
    nullable: true,
    description: "Seconds between incremental syncs (default 300, min 30).",
  })
  incrementalIntervalSeconds?: number;
  @Field(() => Int, { nullable: true, description: "Seconds between full syncs (default 86400, min 300)." })
  fullIntervalSeconds?: number;
}

@InputType({ description: "Omitted fields keep their current value (or the default, on creation)." })
export class NetboxConnectionInput {
  @Field(() => String, { description: "Base URL, e.g. https://netbox.example.net" }) url: string;
  @Field(() => String, {
    nullable: true,
    description: "v1 token (40 characters) or v2 `nbt_<key>.<secret>`; required when creating.",
  })
  token?: string;
  @Field(() => Boolean, { nullable: true, description: "Verify NetBox's TLS certificate (default true)." })
  tlsVerify?: boolean;
  @Field(() => String, { nullable: true, description: "Extra CA certificate(s), PEM; empty removes." })
  caCertificate?: string;
  @Field(() => [NetboxKindValue], { nullable: true, description: "Kinds to mirror (default all)." })
  kinds?: NetboxKindValue[];
  @Field(() => Boolean, {
    nullable: true,
    description: "Map NetBox tenants to the operator with the same slug (default true).",
  })
  matchTenantsBySlug?: boolean;
  @Field(() => String, {
    nullable: true,
    description: "The secret NetBox signs webhooks with (X-Hook-Signature); empty removes it.",
  })
  webhookSecret?: string;
  @Field(() => NetboxScheduleInput, { nullable: true }) schedule?: NetboxScheduleInput;
}

@InputType()
export class NetboxObjectFilter {
  @Field(() => String, { nullable: true, description: "Case-insensitive substring of the name." })
  nameContains?: string;
  @Field(() => String, { nullable: true }) slug?: string;
  @Field(() => [String], { nullable: true, description: 'Any of these status values, e.g. ["active"].' })
  status?: string[];
  @Field(() => [String], {
    nullable: true,
    description: "Any of these roles: role slugs (devices, VMs, racks, prefixes, VLANs) or IP role values.",
  })
  role?: string[];
  @Field(() => Int, { nullable: true, description: "NetBox id of the site." }) siteId?: number;
  @Field(() => String, { nullable: true }) siteSlug?: string;
  @Field(() => Int, { nullable: true }) rackId?: number;
  @Field(() => Int, { nullable: true }) deviceId?: number;
  @Field(() => Int, { nullable: true }) clusterId?: number;
  @Field(() => Int, { nullable: true }) virtualMachineId?: number;
  @Field(() => Int, { nullable: true }) tenantId?: number;
  @Field(() => String, { nullable: true }) tenantSlug?: string;
  @Field(() => Int, { nullable: true }) vrfId?: number;
  @Field(() => Int, { nullable: true }) vid?: number;
  @Field(() => String, {
    nullable: true,
    description: "IP addresses and prefixes inside this prefix (PostgreSQL <<=), e.g. 10.0.0.0/8.",
  })
  withinPrefix?: string;
  @Field(() => String, { nullable: true, description: "Prefixes that contain this address or prefix (>>=)." })
  containing?: string;
  @Field(() => Boolean, { nullable: true, description: "Include objects NetBox deleted (default false)." })
  includeDeleted?: boolean;
}

@InputType()
export class NetboxSyncRunFilter {
  @Field(() => NetboxSyncModeValue, { nullable: true }) mode?: NetboxSyncModeValue;
  @Field(() => NetboxSyncStateValue, { nullable: true }) state?: NetboxSyncStateValue;
}
