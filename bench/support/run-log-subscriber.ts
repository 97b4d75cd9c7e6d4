import { createHash } from "node:crypto";
import { createClient } from "graphql-ws/client";
import WebSocket from "ws";

// Forked by bench/runs.ts: subscribes to one run's events over graphql-ws and prints, as one JSON line,
// how many log bytes arrived, their SHA-256, and when the last one did.
const [url, runId] = process.argv.slice(2) as [string, string];

const client = createClient({
  url: `${url.replace(/^http/, "ws")}/graphql`,
  webSocketImpl: WebSocket,
  retryAttempts: 0,
});
const hash = createHash("sha256");
let bytes = 0;
let events = 0;
let lastByteAt = 0;
let state = "";

type Event = { __typename: string; nextOffset?: number; base64?: string; state?: string };

client.subscribe<{ runEvents: Event }>(
  {
    query: `subscription($id: ID!) { runEvents(runId: $id) {
      __typename ... on RunLogChunk { nextOffset base64 } ... on RunStateChange { state } } }`,
    variables: { id: runId },
  },
  {
    next: (result) => {
      if (result.errors) throw new Error(JSON.stringify(result.errors));
      const e = result.data!.runEvents;
      events++;
      if (e.base64 !== undefined) {
        const data = Buffer.from(e.base64, "base64");
        hash.update(data);
        bytes += data.length;
        lastByteAt = Date.now();
      } else if (e.state) state = e.state;
    },
    error: (e) => {
      console.error("subscription failed", e);
      process.exit(1);
    },
    complete: () => {
      console.log(JSON.stringify({ bytes, sha256: hash.digest("hex"), lastByteAt, events, state }));
      void Promise.resolve(client.dispose()).then(() => process.exit(0));
    },
  },
);
