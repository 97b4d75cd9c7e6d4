import { Field, Float, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { toGlobalId } from "../common/global-id.js";
import { ConnectionType } from "../api/connection.js";
import { JSONObjectScalar } from "../api/scalars.js";
import { PROVIDER_CHAIN } from "./chain.js";

export enum AccountingEventType {
  ACTIVITY = "activity",
  MONITOR = "monitor",
  CONTROL = "control",
}
registerEnumType(AccountingEventType, { name: "AccountingEventType", description: "The CADF event type." });

export enum AccountingOutcome {
  SUCCESS = "success",
  FAILURE = "failure",
  PENDING = "pending",
}
registerEnumType(AccountingOutcome, { name: "AccountingOutcome" });

@ObjectType({ description: "Who caused an accounting event.", simpleResolvers: true })
export class AccountingInitiator {
  @Field(() => String, { description: "user, client, system or anonymous." }) kind: string;
  @Field(() => String, { nullable: true }) id: string | null;
  @Field(() => String, { nullable: true }) name: string | null;
  @Field(() => String, { nullable: true, description: "The client's IP address." }) ip: string | null;
  @Field(() => String, { nullable: true }) userAgent: string | null;
  @Field(() => Int, {
    description:
      "How many attempts the event stands for (a failure tally, or a request's refusals of one target); else 1.",
  })
  attempts: number;
}

@ObjectType({ description: "What an accounting event is about.", simpleResolvers: true })
export class AccountingTarget {
  @Field(() => String) kind: string;
  @Field(() => String, { nullable: true, description: "The target's own id (not a global id)." })
  id: string | null;
  @Field(() => ID, { nullable: true, description: "The operator the target belongs to." })
  operatorId: string | null;
}

@ObjectType({
  description: "One CADF-shaped record of who did what to which target; never changed once written.",
  simpleResolvers: true,
})
export class AccountingEvent {
  operatorUuid: string | null;
  @Field(() => ID) id: string;
  @Field(() => Date, { description: "With microseconds, as the event hash covers it." }) occurredAt: string;
  @Field(() => AccountingEventType) eventType: AccountingEventType;
  @Field(() => String, { description: "create, update, delete, apply, authenticate, grant, revoke, …" })
  action: string;
  @Field(() => AccountingOutcome) outcome: AccountingOutcome;
  @Field(() => AccountingInitiator) initiator: AccountingInitiator;
  @Field(() => AccountingTarget) target: AccountingTarget;
  @Field(() => String, { description: "The service that recorded the event." }) observer: string;
  @Field(() => String, { nullable: true, description: "Why: for denials, failures and controls." })
  reason: string | null;
  @Field(() => String, { nullable: true }) requestId: string | null;
  @Field(() => JSONObjectScalar, {
    nullable: true,
    description: "For updates: { field: { before, after } }; secrets only as changed.",
  })
  changes: object | null;
  @Field(() => String, { description: 'The hash chain: the operator\'s id, or "provider".' }) chain: string;
  @Field(() => Int, { nullable: true, description: "Place in the chain; null until sealed (a moment)." })
  seq: number | null;
  @Field(() => String, { nullable: true }) prevHash: string | null;
  @Field(() => String, { nullable: true, description: "SHA-256 of the canonical JSON (RFC 8785)." })
  hash: string | null;
}

export const AccountingEventConnection = ConnectionType(AccountingEvent, "AccountingEvent");

@ObjectType({ description: "A chain head signed with the accounting key (Ed25519).", simpleResolvers: true })
export class AccountingCheckpoint {
  @Field(() => String) chain: string;
  @Field(() => Int) seq: number;
  @Field(() => String) headHash: string;
  @Field(() => Date) signedAt: string;
  @Field(() => String) keyId: string;
  @Field(() => Int, { description: "1, 2, 3, … per chain." }) number: number;
  @Field(() => String, {
    description:
      "SHA-256 (hex) of the signed bytes of the chain's previous checkpoint; 64 zeros for the first.",
  })
  prevCheckpointHash: string;
  @Field(() => Int, {
    description: "Which bytes are signed: 2, or 1 for checkpoints signed before they were numbered.",
  })
  version: number;
  @Field(() => String, { description: "base64url Ed25519 signature of the canonical checkpoint JSON." })
  signature: string;
}

@ObjectType({ description: "The last sealed event of one hash chain.", simpleResolvers: true })
export class ChainHead {
  operatorUuid: string | null;
  @Field(() => String) chain: string;
  @Field(() => Int) seq: number;
  @Field(() => String) headHash: string;
  @Field(() => Date) updatedAt: string;
  @Field(() => AccountingCheckpoint, { nullable: true }) lastCheckpoint: AccountingCheckpoint | null;
}

@ObjectType({ description: "The result of checking a stretch of one chain.", simpleResolvers: true })
export class ChainVerification {
  @Field(() => String) chain: string;
  @Field(() => Boolean, { description: "Every hash, link and signature holds, and nothing waits unsealed." })
  ok: boolean;
  @Field(() => Int, { nullable: true, description: "The first sequence number where the chain breaks." })
  firstBadSeq: number | null;
  @Field(() => String, { nullable: true }) problem: string | null;
  @Field(() => Int, { nullable: true }) fromSeq: number | null;
  @Field(() => Int, { nullable: true }) toSeq: number | null;
  @Field(() => Int) eventsChecked: number;
  @Field(() => Int, { description: "Checkpoints whose signature and head matched." })
  checkpointsVerified: number;
  @Field(() => Int, { nullable: true }) lastCheckpointSeq: number | null;
  @Field(() => Int, { nullable: true }) lastCheckpointNumber: number | null;
  @Field(() => Int, { nullable: true, description: "The first event no checkpoint signs yet." })
  unsignedFromSeq: number | null;
  @Field(() => Int, { description: "Committed events not yet linked into the chain." })
  unsealedEvents: number;
  @Field(() => Date, { nullable: true }) oldestUnsealedAt: string | null;
}

@ObjectType({ simpleResolvers: true })
export class ServiceTypeUsage {
  @Field(() => String) serviceType: string;
  @Field(() => Float, { description: "Days services of this type were enabled, summed over services." })
  serviceDays: number;
  @Field(() => Float) blockStorageGibHours: number;
  @Field(() => Float) blobStorageGibHours: number;
  @Field(() => Float, { description: "Bytes of the services' existing backup snapshots, in GiB-hours." })
  backupSnapshotGibHours: number;
  @Field(() => Float, { description: "Bytes held at backup targets (once per target), in GiB-hours." })
  backupReplicaGibHours: number;
}

@ObjectType({ description: "One operator's usage over a period [from, to).", simpleResolvers: true })
export class UsageReport {
  operatorUuid: string;
  @Field(() => Date) from: string;
  @Field(() => Date) to: string;
  @Field(() => Float, { description: "Booked (quota) storage in GiB-hours." }) bookedStorageGibHours: number;
  @Field(() => Float, { description: "Booked (quota) vCPU-hours." }) bookedVcpuHours: number;
  @Field(() => Float, { description: "Booked (quota) memory in GiB-hours." }) bookedMemoryGibHours: number;
  @Field(() => [ServiceTypeUsage], { description: "Enabled service-days and allocated storage per type." })
  services: ServiceTypeUsage[];
  @Field(() => Float, { description: "Backup snapshot storage of every service, in GiB-hours." })
  backupSnapshotGibHours: number;
  @Field(() => Float, {
    description: "Backup replica storage (at backup targets) of every service, in GiB-hours.",
  })
  backupReplicaGibHours: number;
  @Field(() => Int, { description: "Runs (applies and restores) that ended in the period and succeeded." })
  runsSucceeded: number;
  @Field(() => Int, { description: "Runs that ended in the period otherwise." }) runsFailed: number;
}

@ObjectType({ description: "A public key that signs accounting checkpoints.", simpleResolvers: true })
export class AccountingPublicKey {
  @Field(() => String) keyId: string;
  @Field(() => String, { description: "Always Ed25519." }) algorithm: string;
  @Field(() => String, { description: "The raw 32-byte key, base64url." }) publicKey: string;
  @Field(() => String, { description: "SubjectPublicKeyInfo PEM." }) pem: string;
  @Field(() => JSONObjectScalar) jwk: object;
  @Field(() => Boolean, { description: "Signs new checkpoints; retired keys only verify old ones." })
  active: boolean;
  @Field(() => Date) createdAt: string;
  @Field(() => Date, { nullable: true }) retiredAt: string | null;
}

export const operatorOfChain = (chain: string): string | null => (chain === PROVIDER_CHAIN ? null : chain);

export function toAccountingEvent(row: Record<string, unknown>): AccountingEvent {
  const r = row as Record<string, unknown> & {
    targetKind: string;
    targetId: string | null;
    operatorId: string | null;
    seq: string | null;
  };
  return {
    operatorUuid: r.operatorId,
    id: r.id as string,
    occurredAt: r.occurredAt as string,
    eventType: r.eventType as AccountingEventType,
    action: r.action as string,
    outcome: r.outcome as AccountingOutcome,
    // Only summaries store attempts; an event of one attempt keeps the shape it was hashed with.
    initiator: { attempts: 1, ...(r.initiator as object) } as AccountingInitiator,
    target: {
      kind: r.targetKind,
      id: r.targetId,
      operatorId: r.operatorId ? toGlobalId("Operator", r.operatorId) : null,
    },
    observer: r.observer as string,
    reason: r.reason as string | null,
    requestId: r.requestId as string | null,
    changes: r.changes as object | null,
    chain: r.chain as string,
    seq: r.seq === null ? null : Number(r.seq),
    prevHash: r.prevHash as string | null,
    hash: r.hash as string | null,
  };
}
