import { AccountingChainEntity } from "./accounting-chain.entity.js";
import { AccountingEventEntity } from "./accounting-event.entity.js";
import { AccountingSealEntity } from "./accounting-seal.entity.js";
import { CheckpointEntity } from "./checkpoint.entity.js";
import { FailureTallyEntity } from "./failure-tally.entity.js";
import { SealCursorEntity } from "./seal-cursor.entity.js";
import { AccountingSigningKeyEntity } from "./signing-key.entity.js";
import { UsageQuotaEntity } from "./usage-quota.entity.js";
import { UsageServiceEntity } from "./usage-service.entity.js";
import { UsageStorageEntity } from "./usage-storage.entity.js";
import { UsageBackupEntity } from "./usage-backup.entity.js";

/** The tables accounting owns; src/entities.ts lists every feature's for the DataSource. */
export const accountingEntities = [
  AccountingEventEntity,
  AccountingSealEntity,
  AccountingChainEntity,
  SealCursorEntity,
  CheckpointEntity,
  AccountingSigningKeyEntity,
  UsageQuotaEntity,
  UsageServiceEntity,
  UsageStorageEntity,
  UsageBackupEntity,
  FailureTallyEntity,
];
