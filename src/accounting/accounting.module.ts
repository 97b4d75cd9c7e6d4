import { defineModule } from "../feature-module.js";
import { AccountingChainEntity } from "./accounting-chain.entity.js";
import { AccountingEventEntity } from "./accounting-event.entity.js";
import { AccountingSealEntity } from "./accounting-seal.entity.js";
import {
  AccountingEventResolver,
  AccountingResolver,
  ChainHeadResolver,
  UsageReportResolver,
} from "./accounting.resolver.js";
import { AccountingService } from "./accounting.service.js";
import { CheckpointEntity } from "./checkpoint.entity.js";
import { FailureTallyEntity } from "./failure-tally.entity.js";
import { FailureTallies } from "./failure-tally.js";
import { SealCursorEntity } from "./seal-cursor.entity.js";
import { AccountingSigningKeyEntity } from "./signing-key.entity.js";
import { UsageQuotaEntity } from "./usage-quota.entity.js";
import { UsageServiceEntity } from "./usage-service.entity.js";
import { UsageStorageEntity } from "./usage-storage.entity.js";

export const accountingModule = defineModule({
  name: "accounting",
  entities: [
    AccountingEventEntity,
    AccountingSealEntity,
    AccountingChainEntity,
    SealCursorEntity,
    CheckpointEntity,
    AccountingSigningKeyEntity,
    UsageQuotaEntity,
    UsageServiceEntity,
    UsageStorageEntity,
    FailureTallyEntity,
  ],
  resolvers: [AccountingResolver, AccountingEventResolver, ChainHeadResolver, UsageReportResolver],
  events: { signChainHeads: ["accounting_checkpoint.sign"] },
  services: ({ ds, log }) => ({
    accounting: new AccountingService(ds, log),
    failures: new FailureTallies(ds),
  }),
});

declare module "../api/context.js" {
  interface Services {
    accounting: AccountingService;
    /** Anonymous failures, counted per source and window before they become accounting events. */
    failures: FailureTallies;
  }
}
