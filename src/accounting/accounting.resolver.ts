import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import { Permission } from "../authz/permissions.js";
import { Public, Requires } from "../authz/rules.js";
import { PageArgs } from "../api/connection.js";
import type { RequestContext } from "../api/context.js";
import { Operator } from "../operators/operator.types.js";
import { AccountingEventFilter, ChainPinInput } from "./accounting.inputs.js";
import {
  AccountingCheckpoint,
  AccountingEvent,
  AccountingEventConnection,
  AccountingPublicKey,
  ChainHead,
  ChainVerification,
  UsageReport,
} from "./accounting.types.js";

/** The auditor's queries. Authorization: accounting:read (the auditor role, with the authorization issue). */
@Resolver()
export class AccountingResolver {
  @Query(() => AccountingEventConnection, { description: "Accounting events, newest first." })
  @Requires(Permission.AccountingRead)
  accountingEvents(
    @Ctx() ctx: RequestContext,
    @Args(() => PageArgs) page: PageArgs,
    @Arg("filter", () => AccountingEventFilter, { nullable: true }) filter?: AccountingEventFilter,
  ) {
    return ctx.services.accounting.events(ctx, filter, page);
  }

  @Query(() => UsageReport, { description: "One operator's usage over [from, to)." })
  @Requires(Permission.AccountingRead)
  usageReport(
    @Ctx() ctx: RequestContext,
    @Arg("operator", () => ID) operator: string,
    @Arg("from", () => Date) from: string,
    @Arg("to", () => Date) to: string,
  ) {
    return ctx.services.accounting.usageReport(ctx, operator, from, to);
  }

  @Query(() => [ChainHead], { description: "The head of every hash chain, the provider-wide one first." })
  @Requires(Permission.AccountingRead)
  chainHeads(@Ctx() ctx: RequestContext) {
    return ctx.services.accounting.chainHeads(ctx);
  }

  @Query(() => ChainVerification, {
    description:
      "Checks the operator's chain (without operator: the provider-wide one) over the events that occurred " +
      "in [from, to), or all of it: every hash, link, checkpoint signature and checkpoint link, the pinned " +
      "checkpoint, and without to that no event waits over twice the checkpoint interval for a checkpoint.",
  })
  @Requires(Permission.AccountingRead)
  verifyChain(
    @Ctx() ctx: RequestContext,
    @Arg("operator", () => ID, { nullable: true }) operator?: string,
    @Arg("from", () => Date, { nullable: true }) from?: string,
    @Arg("to", () => Date, { nullable: true }) to?: string,
    @Arg("pinned", () => ChainPinInput, { nullable: true }) pinned?: ChainPinInput,
  ) {
    return ctx.services.accounting.verifyChain(
      ctx,
      operator ?? null,
      from ?? null,
      to ?? null,
      pinned ?? null,
    );
  }

  @Query(() => [AccountingPublicKey], {
    description: "The keys that sign checkpoints (also as a JWKS at GET /accounting/keys).",
  })
  @Public()
  accountingPublicKeys(@Ctx() ctx: RequestContext) {
    return ctx.services.accounting.publicKeys(ctx);
  }

  @Mutation(() => [AccountingCheckpoint], {
    description: "Signs, now, the head of every chain that moved since its last checkpoint.",
  })
  @Requires(Permission.AccountingCheckpoint)
  signChainHeads(@Ctx() ctx: RequestContext) {
    return ctx.services.accounting.signChainHeads(ctx);
  }
}

const operatorOf = (ctx: RequestContext, uuid: string | null) =>
  uuid ? ctx.loaders.operatorById.load(uuid) : null;

@Resolver(() => AccountingEvent)
export class AccountingEventResolver {
  @FieldResolver(() => Operator, { nullable: true })
  operator(@Root() e: AccountingEvent, @Ctx() ctx: RequestContext) {
    return operatorOf(ctx, e.operatorUuid);
  }
}

@Resolver(() => ChainHead)
export class ChainHeadResolver {
  @FieldResolver(() => Operator, { nullable: true, description: "Null for the provider-wide chain." })
  operator(@Root() h: ChainHead, @Ctx() ctx: RequestContext) {
    return operatorOf(ctx, h.operatorUuid);
  }
}

@Resolver(() => UsageReport)
export class UsageReportResolver {
  @FieldResolver(() => Operator)
  operator(@Root() r: UsageReport, @Ctx() ctx: RequestContext) {
    return operatorOf(ctx, r.operatorUuid);
  }
}
