import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "@jest/globals";
import { chain, exportText, key } from "../support/chain.js";

// The offline verifier of the built command, hashing in worker threads over many blocks (an export of
// 20,000 events is some fifteen 1 MB blocks), against the same on one thread.

const CLI = "dist/src/cli/main.js";

function verify(
  file: string,
  keyFile: string,
  threads: number,
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [CLI, "accounting", "verify", file, "--public-key", keyFile, "--threads", String(threads)],
      { env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "silent" }, stdio: ["ignore", "pipe", "inherit"] },
    );
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.on("exit", (code) => resolve({ code, out }));
  });
}

describe("fedicentral accounting verify, in worker threads", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "fedi-verify-threads-"));
  const keyFile = path.join(dir, "keys.json");
  writeFileSync(keyFile, JSON.stringify({ keys: [key.publicKey.export({ format: "jwk" })] }));
  const text = exportText(chain(20_000), [7_000, 20_000]);
  const good = path.join(dir, "good.jsonl");
  writeFileSync(good, text);
  // Event 15,321 changed, deep in a later block: every block before it must have been checked in order.
  const altered = path.join(dir, "altered.jsonl");
  writeFileSync(altered, text.replace(/("seq":15321,.*?)"n15321"/, '$1"n15322"'));

  it("gives the same verdict as one thread, for a good file and an altered one", async () => {
    const [ok1, ok2, bad1, bad2] = await Promise.all([
      verify(good, keyFile, 1),
      verify(good, keyFile, 2),
      verify(altered, keyFile, 1),
      verify(altered, keyFile, 2),
    ]);
    expect(ok2).toEqual(ok1);
    expect(ok2.code).toBe(0);
    expect(ok2.out).toContain("ok, events 1..20000, 2 checkpoints verified, the last at 20000");
    expect(bad2).toEqual(bad1);
    expect(bad2.code).toBe(1);
    expect(bad2.out).toContain("FAILED at sequence number 15321: event 15321 was altered");
  });
});
