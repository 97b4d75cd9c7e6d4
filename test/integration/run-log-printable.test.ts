import { describe, expect, it } from "@jest/globals";
import { pollUntil } from "../support/poll.js";
import { useRunHarness } from "../support/runs.js";
import { gql } from "../support/server.js";
import { wsClient } from "../support/ws.js";

// What a hostile nixops4 output could carry: OSC 52 (writes the viewer's clipboard), a CSI colour, a
// carriage return that overwrites the line, DEL and a C1 CSI.
const HOSTILE = "\x1b]52;c;cm0gLXJmIC8K\x07 \x1b[31mred\x1b[0m fake-ok\rover\r\nnext\x7f\u009b2J";

describe("run logs are safe to print", () => {
  const h = useRunHarness("run-log-printable", { concurrency: 1, pollMs: 100 });

  const finishedRun = async () => {
    const runId = await h.apply();
    h.worker({ FAKE_NIXOPS4_MODE: "fail", FAKE_NIXOPS4_RESOURCES: "a", FAKE_NIXOPS4_REASON: HOSTILE });
    await pollUntil(
      async () =>
        (await gql(h.server, `query($id: ID!) { run(id: $id) { state } }`, { id: runId })).data!.run,
      (r) => r.state === "FAILED",
      { what: "the run to fail" },
    );
    return runId;
  };

  const expectNeutralised = (text: string) => {
    // eslint-disable-next-line no-control-regex -- none may be left
    expect(text).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
    expect(text).toContain("␛]52;c;cm0gLXJmIC8K␇ ␛[31mred␛[0m fake-ok\nover\nnext␡␛[2J");
  };

  it("gives Run.log.text with control characters made visible, and the exact bytes in base64", async () => {
    const runId = await finishedRun();
    const res = await gql(
      h.server,
      `query($id: ID!) { run(id: $id) { log(fromOffset: 0, limit: 1048576) { text base64 } } }`,
      { id: runId },
    );
    const log = res.data!.run.log;
    expectNeutralised(log.text);
    expect(Buffer.from(log.base64, "base64").toString("utf8")).toContain(HOSTILE);
  });

  it("gives runEvents log chunks' text neutralised, and their base64 exact", async () => {
    const runId = await finishedRun();
    const client = wsClient(h.server);
    const chunks: { text: string; base64: string }[] = [];
    try {
      await new Promise<void>((resolve, reject) => {
        client.subscribe<{ runEvents: { __typename: string; text?: string; base64?: string } }>(
          {
            query: `subscription($id: ID!) { runEvents(runId: $id, fromOffset: 0) {
              __typename ... on RunLogChunk { text base64 } } }`,
            variables: { id: runId },
          },
          {
            next: (r) => {
              const ev = r.data?.runEvents;
              if (ev?.__typename === "RunLogChunk") chunks.push({ text: ev.text!, base64: ev.base64! });
            },
            error: reject,
            complete: resolve,
          },
        );
      });
    } finally {
      await client.dispose();
    }
    expectNeutralised(chunks.map((c) => c.text).join(""));
    const bytes = Buffer.concat(chunks.map((c) => Buffer.from(c.base64, "base64")));
    expect(bytes.toString("utf8")).toContain(HOSTILE);
  });
});
