import { type Client, createClient } from "graphql-ws/client";
import WebSocket from "ws";

export const RUN_EVENTS = `subscription($id: ID!, $from: Int) {
  runEvents(runId: $id, fromOffset: $from) {
    __typename
    ... on RunLogChunk { offset nextOffset stream base64 }
    ... on RunStateChange { state run { id state exitCode signal reason } }
  }
}`;

export type LiveEvent =
  | { __typename: "RunLogChunk"; offset: number; nextOffset: number; stream: string; base64: string }
  | { __typename: "RunStateChange"; state: string; run: Record<string, unknown> };

/** Where to connect; with a token (a test server's), the connection is authenticated with it. */
export type WsTarget = { url: string; token?: string };

/** A graphql-ws client over the `ws` package, to the server's /graphql; no automatic retries. */
export function wsClient(server: WsTarget, connectionParams: Record<string, unknown> = {}): Client {
  return createClient({
    url: `${server.url.replace(/^http/, "ws")}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: {
      ...(server.token ? { authorization: `Bearer ${server.token}` } : {}),
      ...connectionParams,
    },
    retryAttempts: 0,
    lazy: true,
  });
}

export type Collected = {
  events: LiveEvent[];
  /** The log bytes received, concatenated (filled in at the end). */
  bytes: Buffer;
  /** The nextOffset of the last chunk, or the starting offset. */
  nextOffset: number;
  /** States in the order received. */
  states: string[];
  completed: boolean;
  errors: unknown[];
};

/**
 * Subscribes to runEvents and collects until the server completes, or until stopWhen says so (then the
 * connection is cut, as a client that loses its network would see it).
 */
export async function collectRunEvents(
  server: WsTarget,
  runId: string,
  fromOffset = 0,
  opts: { stopWhen?: (c: Collected) => boolean; timeoutMs?: number } = {},
): Promise<Collected> {
  const client = wsClient(server);
  const parts: Buffer[] = [];
  const c: Collected = {
    events: [],
    bytes: Buffer.alloc(0),
    nextOffset: fromOffset,
    states: [],
    completed: false,
    errors: [],
  };
  const deadline = setTimeout(() => client.terminate(), opts.timeoutMs ?? 30_000);
  try {
    await new Promise<void>((resolve) => {
      const unsubscribe = client.subscribe<{ runEvents: LiveEvent }>(
        { query: RUN_EVENTS, variables: { id: runId, from: fromOffset } },
        {
          next: (result) => {
            if (result.errors) c.errors.push(...result.errors);
            const ev = result.data?.runEvents;
            if (!ev) return;
            c.events.push(ev);
            if (ev.__typename === "RunLogChunk") {
              if (ev.offset !== c.nextOffset)
                c.errors.push(`gap or overlap: ${c.nextOffset} -> ${ev.offset}`);
              parts.push(Buffer.from(ev.base64, "base64"));
              c.nextOffset = ev.nextOffset;
            } else c.states.push(ev.state);
            if (opts.stopWhen?.(c)) {
              unsubscribe();
              client.terminate();
              resolve();
            }
          },
          error: (e) => {
            c.errors.push(e);
            resolve();
          },
          complete: () => {
            c.completed = true;
            resolve();
          },
        },
      );
    });
  } finally {
    clearTimeout(deadline);
    await client.dispose();
  }
  c.bytes = Buffer.concat(parts);
  return c;
}
