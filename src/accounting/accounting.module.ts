import { defineModule } from "../feature-module.js";
import { accountingGrants } from "./accounting.grants.js";
import { accountingEntities } from "./accounting.entities.js";
import {
  AccountingEventResolver,
  AccountingResolver,
  ChainHeadResolver,
  UsageReportResolver,
} from "./accounting.resolver.js";
import { AccountingService } from "./accounting.service.js";
import { FailureTallies } from "./failure-tally.js";

export const accountingModule = defineModule({
  name: "accounting",
  grants: accountingGrants,
  entities: accountingEntities,
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
