import { Field, Int, ObjectType, registerEnumType } from "type-graphql";
import type { Initiator } from "../accounting/accounting-event.entity.js";
import { toGlobalId } from "../common/global-id.js";
import { ConnectionType } from "../api/connection.js";
import { Node } from "../api/node.js";
import { JSONObjectScalar } from "../api/scalars.js";
import { NetboxKindValue } from "./netbox.types.js";

export enum NetboxSyncModeValue {
  FULL = "full",
  INCREMENTAL = "incremental",
}
registerEnumType(NetboxSyncModeValue, {
  name: "NetboxSyncMode",
  valuesConfig: {
    FULL: { description: "List every object of every mirrored kind; what is missing is marked deleted." },
    INCREMENTAL: { description: "Apply NetBox's changelog since the last sync (runs as FULL without one)." },
  },
});

export enum NetboxSyncStateValue {
  QUEUED = "queued",
  RUNNING = "running",
  SUCCEEDED = "succeeded",
  FAILED = "failed",
}
registerEnumType(NetboxSyncStateValue, { name: "NetboxSyncState" });

export enum NetboxSyncTriggerValue {
  MANUAL = "manual",
  SCHEDULE = "schedule",
  CLI = "cli",
}
registerEnumType(NetboxSyncTriggerValue, { name: "NetboxSyncTrigger" });

@ObjectType({ simpleResolvers: true })
export class NetboxSyncKindCounts {
  @Field(() => NetboxKindValue) kind: NetboxKindValue;
  @Field(() => Int) created: number;
  @Field(() => Int) updated: number;
  @Field(() => Int) deleted: number;
  @Field(() => Int) unchanged: number;
  @Field(() => Int) skipped: number;
}

@ObjectType({ description: "An object left out (malformed) or a warning.", simpleResolvers: true })
export class NetboxSyncIssue {
  @Field(() => String, { nullable: true, description: "The kind (or `object-changes`), if about one." })
  kind: string | null;
  @Field(() => Int, { nullable: true }) netboxId: number | null;
  @Field(() => String) reason: string;
}

@ObjectType({ simpleResolvers: true })
export class NetboxSyncProgress {
  @Field(() => String, { description: "listing, changelog, refetch or merge" }) phase: string;
  @Field(() => NetboxKindValue, { nullable: true }) kind: NetboxKindValue | null;
  @Field(() => Int) fetched: number;
  @Field(() => Int, { nullable: true }) total: number | null;
}

@ObjectType({
  description: "One full or incremental NetBox sync of a provider.",
  implements: Node,
  simpleResolvers: true,
})
export class NetboxSyncRun extends Node {
  uuid: string;
  providerId: string;
  seq: string;
  kindCounts: Record<string, Omit<NetboxSyncKindCounts, "kind">>;
  @Field(() => NetboxSyncModeValue, { description: "How it ran (an incremental sync may run as full)." })
  mode: NetboxSyncModeValue;
  @Field(() => NetboxSyncTriggerValue) trigger: NetboxSyncTriggerValue;
  @Field(() => NetboxSyncStateValue) state: NetboxSyncStateValue;
  @Field(() => Date) queuedAt: string;
  @Field(() => Date, { nullable: true }) startedAt: string | null;
  @Field(() => Date, { nullable: true }) finishedAt: string | null;
  @Field(() => Int, { description: "NetBox list pages read." }) pages: number;
  @Field(() => Int) created: number;
  @Field(() => Int) updated: number;
  @Field(() => Int) deleted: number;
  @Field(() => Int) unchanged: number;
  @Field(() => Int, { description: "Malformed objects left out (see issues)." }) skipped: number;
  @Field(() => [NetboxSyncIssue], { description: "The first 200 issues." }) issues: NetboxSyncIssue[];
  @Field(() => NetboxSyncProgress, { nullable: true, description: "While running." })
  progress: NetboxSyncProgress | null;
  @Field(() => String, { nullable: true, description: "Why the sync failed." }) reason: string | null;
  @Field(() => String, { nullable: true, description: "Changelog id the mirror included before." })
  watermarkBefore: string | null;
  @Field(() => String, { nullable: true, description: "Changelog id the mirror includes after." })
  watermarkAfter: string | null;
  @Field(() => String, { nullable: true }) netboxVersion: string | null;
  @Field(() => JSONObjectScalar, { description: "Who asked for it." }) initiator: Initiator;
  @Field(() => String, { nullable: true }) requestId: string | null;
  @Field(() => [NetboxSyncKindCounts])
  get kinds(): NetboxSyncKindCounts[] {
    return Object.entries(this.kindCounts ?? {}).map(([kind, c]) => ({
      kind: kind as NetboxKindValue,
      ...c,
    }));
  }
}

export const NetboxSyncRunConnection = ConnectionType(NetboxSyncRun, "NetboxSyncRun");

export function toNetboxSyncRun(row: Record<string, unknown>): NetboxSyncRun {
  const r = Object.assign(Object.create(NetboxSyncRun.prototype), row) as NetboxSyncRun;
  r.uuid = r.id;
  r.id = toGlobalId("NetboxSyncRun", r.uuid);
  return r;
}
