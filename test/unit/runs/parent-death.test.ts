import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "@jest/globals";
import { findExecutable, startNixops4 } from "../../../src/runs/nixops4-process.js";

const dir = mkdtempSync(path.join(tmpdir(), "fedi-find-exe-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("starting nixops4 with a parent-death signal", () => {
  it("finds executables the way execvp does", () => {
    const exe = path.join(dir, "tool");
    writeFileSync(exe, "#!/bin/sh\nexit 0\n");
    chmodSync(exe, 0o755);
    const plain = path.join(dir, "not-executable");
    writeFileSync(plain, "");
    expect(findExecutable("tool", `/nonexistent:${dir}`)).toBe(exe);
    expect(findExecutable("./tool", undefined, dir)).toBe(exe);
    expect(findExecutable(exe, "")).toBe(exe);
    expect(findExecutable("not-executable", dir)).toBeNull();
    expect(findExecutable("tool", "/nonexistent")).toBeNull();
    // A directory is not a command.
    expect(findExecutable(path.basename(dir), path.dirname(dir))).toBeNull();
  });

  it("reports a missing nixops4 as could not start, and runs a present one", async () => {
    const common = { cwd: dir, timeoutMs: 5000, killGraceMs: 100, onOutput: () => {} };
    const missing = await startNixops4({
      ...common,
      bin: path.join(dir, "missing"),
      parentDeathSignal: "SIGKILL",
    }).result;
    expect(missing).toMatchObject({
      outcome: "errored",
      reason: expect.stringMatching(/^could not start: /),
    });
    // setpriv --dump, started the way nixops4 is, shows the signal it inherited.
    const out: Buffer[] = [];
    const ok = await startNixops4({
      ...common,
      bin: "setpriv",
      args: ["--dump"],
      parentDeathSignal: "SIGKILL",
      onOutput: (c) => void out.push(c.data),
    }).result;
    expect(ok.outcome).toBe("succeeded");
    expect(Buffer.concat(out).toString()).toMatch(/Parent death signal: KILL/);
  });
});
