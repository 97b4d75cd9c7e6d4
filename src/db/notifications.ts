// One LISTEN connection per process and database, shared by everything in the process that waits for
// PostgreSQL notifications (run workers, live-log subscriptions). pg-listen reconnects after a lost
// connection; since notifications sent meanwhile are gone, listeners are told to look at the tables again.

import pgListen from "pg-listen";
import type { DataSource } from "typeorm";
import type { Logger } from "../logger.js";

export type NotificationHandler = (payload: string) => void;

export type Notifications = {
  /** Calls handler with the raw payload of every notification on channel; returns the unsubscribe. */
  on(channel: string, handler: NotificationHandler): () => void;
  /** Calls handler after a lost connection came back (notifications may have been missed). */
  onReconnect(handler: () => void): () => void;
  /** Resolves once the channel is listened to, so a caller can read state after that without a gap. */
  ready(channel: string): Promise<void>;
  /** Drops this user of the shared connection; the last one closes it. */
  release(): Promise<void>;
};

type Shared = {
  users: number;
  subscriber: ReturnType<typeof createSubscriber>;
  connected: Promise<void>;
  handlers: Map<string, Set<NotificationHandler>>;
  listening: Map<string, Promise<void>>;
  /** The connection's statements, one after the other. */
  queue: Promise<void>;
  reconnectHandlers: Set<() => void>;
};

// pg-listen is CommonJS with a default export: under Node's ESM loader that is the module's .default.
const createSubscriber = pgListen.default;

const shared = new WeakMap<DataSource, Shared>();

/** The process's listener on the data source's database, started on first use. */
export function sharedNotifications(ds: DataSource, log: Logger): Notifications {
  let s = shared.get(ds);
  if (!s) {
    s = open(ds, log);
    shared.set(ds, s);
  }
  const state = s;
  state.users++;
  const mine = new Set<() => void>();
  let released = false;
  return {
    on(channel, handler) {
      let set = state.handlers.get(channel);
      if (!set) state.handlers.set(channel, (set = new Set()));
      set.add(handler);
      void listen(state, channel, log);
      const off = () => {
        set.delete(handler);
        mine.delete(off);
      };
      mine.add(off);
      return off;
    },
    onReconnect(handler) {
      state.reconnectHandlers.add(handler);
      const off = () => {
        state.reconnectHandlers.delete(handler);
        mine.delete(off);
      };
      mine.add(off);
      return off;
    },
    ready: (channel) => listen(state, channel, log),
    async release() {
      if (released) return;
      released = true;
      for (const off of [...mine]) off();
      if (--state.users > 0) return;
      shared.delete(ds);
      await state.connected.catch(() => undefined);
      await state.subscriber.close().catch(() => undefined);
    },
  };
}

function open(ds: DataSource, log: Logger): Shared {
  const url = (ds.options as { url?: string }).url;
  const subscriber = createSubscriber(
    { connectionString: url, application_name: "fedicentral-listen" },
    {
      // Keep trying for as long as the process lives; a check query notices a silently dead connection.
      retryLimit: Number.POSITIVE_INFINITY,
      retryTimeout: Number.POSITIVE_INFINITY,
      retryInterval: (attempt) => Math.min(5000, 100 * 2 ** attempt),
      paranoidChecking: 10_000,
      parse: (payload) => payload,
    },
  );
  const state: Shared = {
    users: 0,
    subscriber,
    connected: Promise.resolve(),
    handlers: new Map(),
    listening: new Map(),
    queue: Promise.resolve(),
    reconnectHandlers: new Set(),
  };
  subscriber.events.on("notification", ({ channel, payload }) => {
    for (const h of state.handlers.get(channel) ?? []) {
      try {
        h(typeof payload === "string" ? payload : "");
      } catch (e) {
        log.error({ err: e, channel }, "notification handler failed");
      }
    }
  });
  let first = true;
  subscriber.events.on("connected", () => {
    if (first) {
      first = false;
      return;
    }
    log.warn("notification connection re-established; rescanning");
    for (const h of state.reconnectHandlers) h();
  });
  subscriber.events.on("error", (e) => log.error({ err: e }, "notification connection failed"));
  state.connected = subscriber.connect();
  state.queue = state.connected.catch(() => undefined);
  state.connected.catch((e: unknown) => log.error({ err: e }, "could not open the notification connection"));
  return state;
}

function listen(state: Shared, channel: string, log: Logger): Promise<void> {
  let p = state.listening.get(channel);
  if (!p) {
    // One LISTEN at a time: pg queues concurrent queries on a client only under protest (gone in pg 9).
    p = state.queue.then(async () => {
      await state.subscriber.listenTo(channel);
    });
    state.queue = p.catch(() => undefined);
    p.catch((e: unknown) => {
      log.error({ err: e, channel }, "could not LISTEN");
      state.listening.delete(channel);
    });
    state.listening.set(channel, p);
  }
  return p;
}
