import { createHash } from "node:crypto";
import { describe, expect, it } from "@jest/globals";
import { useRunHarness } from "../support/runs.js";
import { pollUntil } from "../support/poll.js";
import { gql } from "../support/server.js";
import { collectRunEvents } from "../support/ws.js";

const RUN = `query($id: ID!) { run(id: $id) { state exitCode signal reason logTruncated finishedAt
  startedAt cancelRequestedAt log(limit: 0) { size } deployment { deployedGeneration } } }`;

describe("runs through the worker: a nixops4 that ignores SIGTERM, and one that prints 50 MB", () => {
  const h = useRunHarness("runs-stubborn", { concurrency: 1, pollMs: 100, heartbeatMs: 200 });
  const { worker, apply } = h;

  async function run(id: string) {
    const res = await gql(h.server, RUN, { id });
    expect(res.errors).toBeUndefined();
    return res.data!.run;
  }

  const waitFor = (id: string, until: (r: any) => boolean, timeoutMs = 20_000) =>
    pollUntil(() => run(id), until, { what: (r) => `run ${id} to move on from ${r.state}`, timeoutMs });

  it("a cancel escalates SIGINT -> SIGTERM -> SIGKILL when nixops4 ignores the first two", async () => {
    const grace = 300;
    worker({ FAKE_NIXOPS4_MODE: "ignore-sigterm" }, { killGraceMs: grace });
    const id = await apply();
    await waitFor(id, (r) => r.state === "RUNNING" && r.log.size > 0);
    const canceled = await gql(h.server, `mutation($id: ID!) { cancelRun(id: $id) { state } }`, { id });
    expect(canceled.data!.cancelRun.state).toBe("CANCELING");
    const r = await waitFor(id, (x) => x.state !== "CANCELING" && x.state !== "RUNNING");
    expect(r).toMatchObject({
      state: "CANCELED",
      signal: "SIGKILL",
      exitCode: null,
      reason: "canceled on request",
    });
    // Two grace periods passed between the request and the end: SIGINT, then SIGTERM, then SIGKILL.
    const took = new Date(r.finishedAt).getTime() - new Date(r.cancelRequestedAt).getTime();
    expect(took).toBeGreaterThanOrEqual(2 * grace - 50);
    expect(took).toBeLessThan(2 * grace + 5000);
    expect(r.deployment.deployedGeneration).toBeNull();
  });

  it("a timeout escalates the same way and ends errored", async () => {
    worker({ FAKE_NIXOPS4_MODE: "ignore-sigterm" }, { killGraceMs: 200, timeoutMs: 400 });
    const id = await apply();
    const r = await waitFor(id, (x) => x.state === "ERRORED");
    expect(r).toMatchObject({ signal: "SIGKILL", reason: "timed out after 400ms" });
    const took = new Date(r.finishedAt).getTime() - new Date(r.startedAt).getTime();
    expect(took).toBeGreaterThanOrEqual(400 + 2 * 200 - 50);
  });

  it("50 MB of output: the first 20 MB (the default cap), a marker and the tail are stored and streamed live", async () => {
    const flood = 50_000_000;
    worker({ FAKE_NIXOPS4_MODE: "flood", FAKE_NIXOPS4_FLOOD_BYTES: String(flood) });
    const id = await apply();
    // Subscribed from the start: the log arrives while it is written.
    const live = await collectRunEvents(h.server, id, 0, { timeoutMs: 60_000 });
    expect(live.errors).toEqual([]);
    expect(live.completed).toBe(true);
    expect(["QUEUED,RUNNING,SUCCEEDED", "RUNNING,SUCCEEDED"]).toContain(live.states.join());
    const r = await run(id);
    expect(r).toMatchObject({ state: "SUCCEEDED", logTruncated: true });
    const cap = 20 * 1024 * 1024;
    const tail = 64 * 1024;
    const [{ n: omitted }] = await h.db.ds.query(`SELECT log_omitted_bytes AS n FROM run WHERE id = $1`, [
      Buffer.from(id, "base64url").toString().split(":")[1],
    ]);
    expect(Number(omitted)).toBe(flood - cap - tail);
    expect(live.bytes.length).toBe(r.log.size);
    // The same bytes as the fake printed: its numbered lines, the start and the end.
    const lines: string[] = [];
    let size = 0;
    for (let n = 0; size < flood; n++) {
      const line = `[provider] ${String(n).padStart(9, "0")} building /nix/store/0123456789abcdfghijklmnpqrsvwxyz-flood.drv\n`;
      lines.push(line);
      size += line.length;
    }
    const printed = Buffer.from(lines.join("")).subarray(0, flood);
    const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
    expect(sha(live.bytes.subarray(0, cap))).toBe(sha(printed.subarray(0, cap)));
    expect(sha(live.bytes.subarray(-tail))).toBe(sha(printed.subarray(-tail)));
    expect(live.bytes.subarray(cap, -tail).toString()).toContain(
      `${flood - cap - tail} bytes were not stored`,
    );
    const meta = live.events.filter((e) => e.__typename === "RunLogChunk" && e.stream === "META");
    expect(meta).toHaveLength(1);
  }, 120_000);
});
