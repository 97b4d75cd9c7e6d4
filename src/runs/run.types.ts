import { Field, Int, ObjectType, registerEnumType } from "type-graphql";
import type { Initiator } from "../accounting/accounting-event.entity.js";
import { toGlobalId } from "../common/global-id.js";
import { ConnectionType } from "../api/connection.js";
import { Node } from "../api/node.js";
import { JSONObjectScalar } from "../api/scalars.js";
import type { RunState } from "./run-state.js";
import { PRINTABLE_LOG_DESCRIPTION } from "./printable-log.js";

// GraphQL names in capitals, database values in lower case.
export enum RunStateValue {
  QUEUED = "queued",
  RUNNING = "running",
  CANCELING = "canceling",
  SUCCEEDED = "succeeded",
  FAILED = "failed",
  ERRORED = "errored",
  CANCELED = "canceled",
}
registerEnumType(RunStateValue, {
  name: "RunState",
  valuesConfig: {
    QUEUED: { description: "Waiting for a worker (and for earlier runs of its deployment)." },
    RUNNING: { description: "nixops4 is running." },
    CANCELING: { description: "A cancel was asked for; the worker is stopping nixops4." },
    SUCCEEDED: {
      description: "nixops4 exited with status 0; the deployment's deployed config is this run's.",
    },
    FAILED: { description: "nixops4 reported an error (exit status 1)." },
    ERRORED: { description: "nixops4 crashed, timed out, could not start, or its worker was lost." },
    CANCELED: { description: "Canceled before it started, or stopped on request." },
  },
});

export enum RunActionValue {
  APPLY = "apply",
  RESTORE = "restore",
}
registerEnumType(RunActionValue, {
  name: "RunAction",
  valuesConfig: {
    APPLY: { description: "nixops4 apply of the staged configuration." },
    RESTORE: {
      description:
        "The same apply with a backup restore target in deployment.json (an approved BackupRestore).",
    },
  },
});

@ObjectType({ simpleResolvers: true })
export class RunResourceFailure {
  @Field(() => String) resource: string;
  @Field(() => String) reason: string;
}

@ObjectType({ description: "Progress read from nixops4's output (best effort).", simpleResolvers: true })
export class RunProgress {
  @Field(() => [String]) planned: string[];
  @Field(() => [String]) created: string[];
  @Field(() => [String]) skipped: string[];
  @Field(() => [RunResourceFailure]) failed: RunResourceFailure[];
}

@ObjectType({ description: "A piece of a run's stored output.", simpleResolvers: true })
export class RunLogPage {
  @Field(() => String, { description: PRINTABLE_LOG_DESCRIPTION }) text: string;
  @Field(() => String, { description: "The same bytes, base64-encoded, exactly as stored." })
  base64: string;
  @Field(() => Int) fromOffset: number;
  @Field(() => Int, { description: "Pass as fromOffset to read on." }) nextOffset: number;
  @Field(() => Int, { description: "Bytes stored so far." }) size: number;
}

@ObjectType({
  description: "One nixops4 run of a deployment, with the configuration it was handed.",
  implements: Node,
  simpleResolvers: true,
})
export class Run extends Node {
  uuid: string;
  deploymentId: string;
  seq: string;
  @Field(() => RunActionValue) action: RunActionValue;
  @Field(() => RunStateValue) state: RunStateValue;
  @Field(() => Int, { description: "The staged generation the configuration was built from." })
  generation: number;
  @Field(() => String, { description: "SHA-256 (hex) of the canonical JSON of the configuration." })
  configHash: string;
  @Field(() => JSONObjectScalar, { description: "Who asked for the run." }) initiator: Initiator;
  @Field(() => String, { nullable: true }) requestId: string | null;
  @Field(() => Date) queuedAt: Date;
  @Field(() => Date, { nullable: true }) startedAt: Date | null;
  @Field(() => Date, { nullable: true }) cancelRequestedAt: Date | null;
  @Field(() => Date, { nullable: true }) finishedAt: Date | null;
  @Field(() => Date, { nullable: true }) heartbeatAt: Date | null;
  @Field(() => Int, { nullable: true }) exitCode: number | null;
  @Field(() => String, { nullable: true, description: "The signal that ended nixops4, if any." })
  signal: string | null;
  @Field(() => String, { nullable: true, description: "Why the run did not succeed, for people." })
  reason: string | null;
  @Field(() => Boolean, { description: "Part of the output was not stored (the log hit its cap)." })
  logTruncated: boolean;
}

export const RunConnection = ConnectionType(Run, "Run");

export function toRun(row: Record<string, unknown>): Run {
  const r = row as unknown as Run & { logOmittedBytes: string };
  r.uuid = r.id;
  r.id = toGlobalId("Run", r.uuid);
  r.logTruncated = Number(r.logOmittedBytes) > 0;
  return r;
}

export type { RunState };
