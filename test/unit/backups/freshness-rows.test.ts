import { describe, expect, it } from "@jest/globals";
import { freshnessInputs } from "../../../src/backups/backup.service.js";

// FRESHNESS's flat rows (service x volume x target) gathered back into one input per service.
const row = (over: Partial<Parameters<typeof freshnessInputs>[0][number]>) => ({
  serviceId: "s1",
  domain: "a.example",
  schedule: "0 3 * * *",
  volumeId: null,
  kind: null,
  lastSnapshotMs: null,
  target: null,
  state: null,
  syncedToMs: null,
  ...over,
});

describe("freshness rows", () => {
  it("gathers volumes and their targets per service, and keeps a service without volumes", () => {
    const got = freshnessInputs([
      row({
        volumeId: "v1",
        kind: "block",
        lastSnapshotMs: 1000,
        target: "vault",
        state: "in-sync",
        syncedToMs: 900,
      }),
      row({
        volumeId: "v1",
        kind: "block",
        lastSnapshotMs: 1000,
        target: "far",
        state: null,
        syncedToMs: null,
      }),
      row({ volumeId: "v2", kind: "blob", lastSnapshotMs: null }),
      row({ serviceId: "s2", domain: "b.example", schedule: null }),
    ]);
    expect([...got.keys()]).toEqual(["s1", "s2"]);
    expect(got.get("s1")!.input).toEqual({
      schedule: "0 3 * * *",
      volumes: [
        {
          kind: "block",
          lastSnapshotAt: new Date(1000),
          replicas: [
            { target: "vault", state: "in-sync", syncedTo: new Date(900) },
            { target: "far", state: null, syncedTo: null },
          ],
        },
        { kind: "blob", lastSnapshotAt: null, replicas: [] },
      ],
    });
    expect(got.get("s2")).toMatchObject({ domain: "b.example", input: { schedule: null, volumes: [] } });
  });
});
