import type { DataSource } from "typeorm";
import { accessOf, authorize, authorizeInstallation } from "../authz/denied.js";
import { Permission } from "../authz/permissions.js";
import { restrict } from "../authz/scope-sql.js";
import { DomainError, badInput, notFound } from "../common/errors.js";
import { expectGlobalId } from "../common/global-id.js";
import { type Db, dbOf } from "../db/db.js";
import { SqlFilter, listPage, listSql } from "../db/list-page.js";
import type { Connection, PageArgs } from "../api/connection.js";
import type { Caller } from "../common/caller.js";
import { type AccountingConfig, loadAccountingConfig } from "./accounting-config.js";
import type { AccountingEventFilter, ChainPinInput } from "./accounting.inputs.js";
import {
  type AccountingCheckpoint,
  type AccountingEvent,
  type AccountingPublicKey,
  type ChainHead,
  type ChainVerification,
  type UsageReport,
  operatorOfChain,
  toAccountingEvent,
} from "./accounting.types.js";
import { PROVIDER_CHAIN } from "./chain.js";
import { CHECKPOINT_COLUMNS, signChainHeads, toCheckpoint } from "./checkpoints.js";
import { CHAIN_OF_EVENT, EVENT_DOC_COLUMNS, SEAL_COLUMNS } from "./event-sql.js";
import { listPublicKeys, toJwk, toPem } from "./signing.js";
import { usageReport } from "./usage-report.js";
import { verifyChain } from "./verify-chain.js";
import { integerKey, timestampKey } from "../db/sort-key.js";
import { type Witness, createWitness } from "./witness.js";
import { type Logger, createLogger } from "../logger.js";
import { sql } from "../db/named-sql.js";

const EVENT_FROM = `accounting_event e LEFT JOIN accounting_seal s ON s.event_id = e.id`;
const EVENT_COLUMNS = `${EVENT_DOC_COLUMNS}, ${CHAIN_OF_EVENT} AS chain, ${SEAL_COLUMNS}`;

const CHAIN_HEADS = sql(
  "accounting.chainHeads",
  `SELECT c.chain, c.seq::text AS seq, c.head_hash AS "headHash",
              to_char(c.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "updatedAt",
              (SELECT row_to_json(x) FROM (SELECT ${CHECKPOINT_COLUMNS} FROM accounting_checkpoint k
                 WHERE k.chain = c.chain ORDER BY k.seq DESC, k.id DESC LIMIT 1) x) AS checkpoint,
              o.provider_id AS "providerId"
         FROM accounting_chain c LEFT JOIN operator o ON o.id::text = c.chain ORDER BY c.chain = '${PROVIDER_CHAIN}' DESC, c.chain`,
);

const EVENT_LIST = listSql("accounting.events", EVENT_FROM, EVENT_COLUMNS);

/** The auditor's side of accounting: events, chains, verification, usage, and checkpoints on demand. */
export class AccountingService {
  private config: AccountingConfig | undefined;

  private witness: Witness | undefined;

  constructor(
    private readonly ds: DataSource,
    private readonly log: Logger = createLogger("silent"),
  ) {}

  /** Read when first needed: tests and the CLI build services without the accounting settings. */
  private settings(): AccountingConfig {
    return (this.config ??= loadAccountingConfig());
  }

  private secret(): Buffer | null {
    return this.settings().signingKeySecret;
  }

  events(
    caller: Caller,
    filter: AccountingEventFilter | undefined,
    args: PageArgs,
  ): Promise<Connection<AccountingEvent>> {
    const f = new SqlFilter();
    // Readers per operator or provider see those operators' events; events of no operator need an
    // installation-wide grant.
    restrict(f, accessOf(caller), Permission.AccountingRead, "accounting_event", "e");
    if (filter?.operator)
      f.add((p) => `e.operator_id = ${p}`, expectGlobalId(filter.operator, "Operator", "filter.operator"));
    if (filter?.from) f.add((p) => `e.occurred_at >= ${p}`, filter.from);
    if (filter?.to) f.add((p) => `e.occurred_at < ${p}`, filter.to);
    if (filter?.action) f.add((p) => `e.action = ${p}`, filter.action);
    if (filter?.outcome) f.add((p) => `e.outcome = ${p}`, filter.outcome);
    if (filter?.initiator)
      f.add((p) => `(e.initiator->>'id' = ${p} OR e.initiator->>'name' = ${p})`, filter.initiator);
    if (filter?.targetKind) f.add((p) => `e.target_kind = ${p}`, filter.targetKind);
    return listPage(dbOf(this.ds), {
      sql: EVENT_LIST,
      filter: f,
      // Newest first; the microsecond time text is the cursor, so paging never skips an event.
      order: [timestampKey("e.occurred_at"), integerKey("e.id")],
      direction: "DESC",
      args,
      map: toAccountingEvent,
      cursorOf: (e) => [e.occurredAt, e.id],
    });
  }

  async usageReport(
    caller: Caller,
    operatorGlobalId: string,
    from: string,
    to: string,
  ): Promise<UsageReport> {
    const operatorId = expectGlobalId(operatorGlobalId, "Operator", "operator");
    if (Date.parse(from) >= Date.parse(to)) throw badInput("to", "to must be after from");
    const db = dbOf(this.ds);
    await authorizeOperator(db, caller, operatorGlobalId, operatorId);
    const report = await usageReport(db, operatorId, from, to);
    return { ...report, operatorUuid: operatorId };
  }

  async chainHeads(caller: Caller): Promise<ChainHead[]> {
    const access = accessOf(caller);
    const rows = await dbOf(this.ds).query<{
      chain: string;
      seq: string;
      headHash: string;
      updatedAt: string;
      checkpoint: Record<string, unknown> | null;
      providerId: string | null;
    }>(CHAIN_HEADS);
    const visible = (operatorId: string | null, providerId: string | null) =>
      operatorId === null || providerId === null
        ? access.installationWide(Permission.AccountingRead)
        : access.allows(Permission.AccountingRead, { providerId, operatorId });
    return rows
      .filter((r) => visible(operatorOfChain(r.chain), r.providerId))
      .map((r) => ({
        operatorUuid: operatorOfChain(r.chain),
        chain: r.chain,
        seq: Number(r.seq),
        headHash: r.headHash,
        updatedAt: r.updatedAt,
        lastCheckpoint: r.checkpoint ? toCheckpoint(r.checkpoint) : null,
      }));
  }

  /** operator null: the provider-wide chain. */
  async verifyChain(
    caller: Caller,
    operatorGlobalId: string | null,
    from: string | null,
    to: string | null,
    pinned: ChainPinInput | null = null,
  ): Promise<ChainVerification> {
    if (pinned && !/^[0-9a-f]{64}$/.test(pinned.headHash))
      throw badInput("pinned.headHash", "headHash must be 64 lowercase hex digits");
    if (pinned && pinned.seq < 1) throw badInput("pinned.seq", "seq must be at least 1");
    const chain = operatorGlobalId
      ? expectGlobalId(operatorGlobalId, "Operator", "operator")
      : PROVIDER_CHAIN;
    // Installation-wide readers may verify the chain of an operator that no longer exists.
    const everywhere = accessOf(caller).installationWide(Permission.AccountingRead);
    if (operatorGlobalId && !everywhere)
      await authorizeOperator(dbOf(this.ds), caller, operatorGlobalId, chain);
    else if (!operatorGlobalId)
      authorizeInstallation(caller, Permission.AccountingRead, { kind: "Chain", id: null });
    const c = await verifyChain(this.ds, chain, from, to, this.secret(), {
      checkpointIntervalMs: this.settings().checkpointIntervalMs,
      pins: pinned ? [pinned] : [],
    });
    return {
      chain,
      ok: c.ok,
      firstBadSeq: c.firstBad?.seq ?? null,
      problem: c.problem,
      fromSeq: c.fromSeq,
      toSeq: c.toSeq,
      eventsChecked: c.events,
      checkpointsVerified: c.checkpoints,
      lastCheckpointSeq: c.lastCheckpointSeq,
      lastCheckpointNumber: c.lastCheckpointNumber,
      unsignedFromSeq: c.unsignedFromSeq,
      unsealedEvents: c.unsealedEvents,
      oldestUnsealedAt: c.oldestUnsealedAt,
    };
  }

  async publicKeys(_caller: Caller): Promise<AccountingPublicKey[]> {
    return (await listPublicKeys(dbOf(this.ds), this.secret())).map((k) => ({
      ...k,
      algorithm: "Ed25519",
      pem: toPem(k),
      jwk: toJwk(k),
    }));
  }

  /**
   * Seals what is pending and signs every chain head that moved since its last checkpoint: every provider's
   * chains at once, so installation-wide only.
   */
  async signChainHeads(caller: Caller): Promise<AccountingCheckpoint[]> {
    authorizeInstallation(caller, Permission.AccountingCheckpoint, { kind: "Chain", id: null });
    const secret = this.secret();
    if (!secret) {
      throw new DomainError(
        "NOT_CONFIGURED",
        "checkpoints cannot be signed: ACCOUNTING_SIGNING_KEY_SECRET is not set",
      );
    }
    this.witness ??= createWitness(this.settings().witness, this.log);
    return signChainHeads(this.ds, secret, { caller, witness: this.witness });
  }
}

const PROVIDER_OF_OPERATOR = sql(
  "accounting.providerOfOperator",
  `SELECT provider_id AS "providerId" FROM operator WHERE id = $1`,
);

/** accounting:read for the operator (for it or its provider); NOT_FOUND when missing or out of reach. */
async function authorizeOperator(
  db: Db,
  caller: Caller,
  globalId: string,
  operatorId: string,
): Promise<void> {
  const [op] = await db.query<{ providerId: string }>(PROVIDER_OF_OPERATOR, [operatorId]);
  if (!op) throw notFound("Operator", globalId);
  authorize(caller, Permission.AccountingRead, {
    kind: "Operator",
    id: globalId,
    providerId: op.providerId,
    operatorId,
  });
}
