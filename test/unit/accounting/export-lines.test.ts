import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "@jest/globals";
import { verifyExportFile } from "../../../src/accounting/verify-export.js";
import { chain, exportText, keys } from "../../support/chain.js";

const dir = mkdtempSync(path.join(tmpdir(), "fedi-export-lines-"));
const write = (name: string, text: string) => {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
};

describe("reading an export in blocks", () => {
  const events = chain(300);
  const good = write("good.jsonl", exportText(events, [100, 300]));
  // A changed byte in event 137's initiator name (multi-byte characters around it).
  const altered = write(
    "altered.jsonl",
    exportText(events, [100, 300]).replace(/(seq":137,.*?)Ådå/, "$1Ådä"),
  );

  it.each([16, 100, 777, 1 << 20])(
    "verifies the same whatever the block size (%i bytes)",
    async (blockBytes) => {
      const ok = await verifyExportFile(good, keys, { threads: 1, blockBytes });
      expect(ok).toMatchObject({ ok: true, events: 300, checkpoints: 2, problems: [] });
      expect(ok.chains[0]).toMatchObject({ firstSeq: 1, lastSeq: 300, checkpoints: 2, firstBad: null });

      const bad = await verifyExportFile(altered, keys, { threads: 1, blockBytes });
      expect(bad.ok).toBe(false);
      expect(bad.chains[0]!.firstBad).toEqual({
        seq: 137,
        problem: "event 137 was altered (its hash differs)",
      });
    },
  );

  it("reports a line that cannot be read by its number, also without a final newline", async () => {
    const lines = exportText(events.slice(0, 5)).trimEnd().split("\n");
    lines.splice(3, 0, "{cut off");
    const file = write("cut.jsonl", lines.join("\n"));
    const res = await verifyExportFile(file, keys, { threads: 1, blockBytes: 64 });
    expect(res.problems).toEqual(["line 4 cannot be read"]);
    expect(res.events).toBe(5);
  });
});
