import { Arg, Ctx, FieldResolver, ID, Int, Resolver, Root, Subscription } from "type-graphql";
import { Permission } from "../authz/permissions.js";
import { Requires } from "../authz/rules.js";
import { DomainError, notFound } from "../common/errors.js";
import { expectGlobalId } from "../common/global-id.js";
import type { RequestContext } from "../api/context.js";
import type { RunEvent, RunEventSource, RunLogChunkEvent } from "./run-events.js";
import { RunEventUnion, RunLogChunk } from "./run-events.types.js";
import { PRINTABLE_LOG_DESCRIPTION, printableLog } from "./printable-log.js";

/** The context of an operation over WebSocket: a request context plus the live event source. */
export type SubscriptionContext = RequestContext & {
  runEvents?: RunEventSource;
  /** Fresh access and loaders, so a long subscription never serves a cached row or a revoked role. */
  refreshLoaders?: () => Promise<void>;
};

type RunEventsArgs = { runId: string; fromOffset: number };

const ACCESS_RECHECK_MS = 1000;

/** Ends a subscription: its resolver answers it with NOT_FOUND, as for a run the caller cannot see. */
const NO_LONGER_READABLE = { kind: "denied" } as const;

/**
 * The events while `readable` (asked before an event, at most every `everyMs`) holds; once it does not,
 * one NO_LONGER_READABLE and the end.
 */
async function* whileReadable<T>(
  events: AsyncIterable<T>,
  everyMs: number,
  readable: () => Promise<boolean>,
): AsyncGenerator<T | typeof NO_LONGER_READABLE> {
  let checked = Date.now();
  for await (const event of events) {
    if (Date.now() - checked >= everyMs) {
      if (!(await readable())) {
        yield NO_LONGER_READABLE;
        return;
      }
      checked = Date.now();
    }
    yield event;
  }
}

@Resolver()
export class RunEventsResolver {
  @Subscription(() => RunEventUnion, {
    description:
      "Live events of a run over WebSocket (graphql-ws on /graphql): its current state, then its stored " +
      "log from fromOffset on and every state change, in order; completes after the final state. To " +
      "resume after a disconnect without gaps or repeats, subscribe again with the last nextOffset.",
    subscribe: async ({ args, context }) => {
      const ctx = context as SubscriptionContext;
      const { runId, fromOffset } = args as RunEventsArgs;
      if (!ctx.runEvents)
        throw new DomainError("BAD_USER_INPUT", "subscriptions are served over WebSocket on /graphql");
      const id = expectGlobalId(runId, "Run", "runId");
      // Through the request's loader, so a run the caller may not read is as missing as an unknown one.
      if (!(await ctx.loaders.runById.load(id))) throw notFound("Run", runId);
      const events = await ctx.runEvents.subscribe(id, fromOffset);
      // A role revoked while the subscription runs ends it: access is looked at again every second.
      return whileReadable(events, ACCESS_RECHECK_MS, async () => {
        await ctx.refreshLoaders?.();
        return (await ctx.loaders.runById.load(id)) !== null;
      });
    },
  })
  @Requires(Permission.RunRead)
  runEvents(
    @Root() event: RunEvent | typeof NO_LONGER_READABLE,
    @Ctx() ctx: SubscriptionContext,
    @Arg("runId", () => ID) _runId: string,
    @Arg("fromOffset", () => Int, { defaultValue: 0, description: "A byte offset in the stored log." })
    _fromOffset: number,
  ): Promise<RunEvent> | RunEvent {
    if (event.kind === "denied") throw notFound("Run", _runId);
    if (event.kind !== "state" || !ctx.refreshLoaders) return event;
    return ctx.refreshLoaders().then(() => event);
  }
}

@Resolver(() => RunLogChunk)
export class RunLogChunkResolver {
  @FieldResolver(() => String, { description: "The bytes, base64-encoded, exactly as stored." })
  base64(@Root() chunk: RunLogChunkEvent): string {
    return chunk.base64;
  }

  @FieldResolver(() => String, {
    description: `${PRINTABLE_LOG_DESCRIPTION} Use base64 to keep the bytes exactly.`,
  })
  text(@Root() chunk: RunLogChunkEvent): string {
    return printableLog(Buffer.from(chunk.base64, "base64"));
  }
}

/** type-graphql asks for a PubSub once any subscription exists; ours bring their own subscribe. */
export const noTopicPubSub = {
  publish(): void {
    throw new Error("subscriptions in this schema use their own subscribe function, not topics");
  },
  subscribe(): AsyncIterable<unknown> {
    throw new Error("subscriptions in this schema use their own subscribe function, not topics");
  },
};
