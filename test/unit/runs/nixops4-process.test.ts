import { afterAll, afterEach, beforeAll, describe, expect, it } from "@jest/globals";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import {
  parseProgress,
  startNixops4,
  type Nixops4OutputChunk,
  type Nixops4ProcessOptions,
  type Nixops4Run,
} from "../../../src/runs/nixops4-process.js";

const FAKE = resolve("test/fakes/nixops4/nixops4");
// The fake's shebang finds node on PATH; put the node running the tests first.
const PATH = [dirname(process.execPath), process.env.PATH ?? ""].join(delimiter);

let root: string;
const helpers: number[] = [];

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "nixops4-process-"));
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});
afterEach(() => {
  // A failed assertion must not leave the fake's helpers running.
  for (const pid of helpers.splice(0)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone already
    }
  }
});

let dirs = 0;
function deploymentDir(deployment: object): string {
  const dir = join(root, `run-${dirs++}`);
  mkdirSync(dir);
  writeFileSync(join(dir, "deployment.json"), JSON.stringify(deployment));
  return dir;
}

type Collected = { stdout: Buffer; stderr: Buffer; chunks: Nixops4OutputChunk[] };

type RunOptions = Partial<Omit<Nixops4ProcessOptions, "cwd">> & {
  onChunk?: (chunk: Nixops4OutputChunk, run: Nixops4Run, collected: Collected) => void;
};

async function run(deployment: object, options: RunOptions = {}) {
  const cwd = deploymentDir(deployment);
  const collected: Collected = { stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), chunks: [] };
  const { onChunk, ...rest } = options;
  const started = Date.now();
  const handle: Nixops4Run = startNixops4({
    bin: FAKE,
    cwd,
    timeoutMs: 10_000,
    killGraceMs: 200,
    onOutput: (chunk) => {
      collected.chunks.push(chunk);
      collected[chunk.stream] = Buffer.concat([collected[chunk.stream], chunk.data]);
      onChunk?.(chunk, handle, collected);
    },
    ...rest,
    env: { PATH, ...rest.env },
  });
  const result = await handle.result;
  return {
    ...collected,
    cwd,
    handle,
    result,
    elapsed: Date.now() - started,
    stderrText: collected.stderr.toString("utf8"),
  };
}

function helperPid(stderr: string): number {
  const m = /helper pid (\d+)/.exec(stderr);
  if (!m) throw new Error(`no helper pid in: ${stderr}`);
  const pid = Number(m[1]);
  helpers.push(pid);
  return pid;
}

// A zombie still answers kill(pid, 0), and PID 1 in a container may be slow to reap orphans.
function processGone(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
  } catch {
    return true;
  }
}

async function eventually(check: () => boolean, ms = 2000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return check();
}

describe("startNixops4 with the fake nixops4", () => {
  it("succeeds, with progress on stderr and nothing on stdout", async () => {
    const r = await run({
      id: "dep-1",
      services: [{ type: "mastodon" }, { serviceType: "peertube" }, { type: "pixelfed", enabled: false }],
      fake: { unchanged: ["peertube"] },
    });
    expect(r.result).toEqual({ outcome: "succeeded", exitCode: 0, signal: null, reason: null });
    expect(r.stdout.length).toBe(0);
    expect(parseProgress(r.stderrText)).toEqual({
      planned: ["mastodon", "peertube"],
      created: ["mastodon"],
      skipped: ["peertube"],
      failed: [],
    });
    expect(r.chunks.every((c) => Buffer.isBuffer(c.data))).toBe(true);
  });

  it("passes apply --no-interactive by default and the given args otherwise", async () => {
    const base = { fake: { resources: ["net.dns", "web.a", "web.b"] } };
    const all = await run(base);
    expect(parseProgress(all.stderrText).created).toEqual(["net.dns", "web.a", "web.b"]);
    const some = await run(base, { args: ["apply", "--no-interactive", "web"] });
    expect(parseProgress(some.stderrText).created).toEqual(["web.a", "web.b"]);
    const overlapping = await run(base, { args: ["apply", "--no-interactive", "web", "web.a"] });
    expect(overlapping.result.outcome).toBe("failed");
    expect(overlapping.result.reason).toBe("overlapping paths are not allowed: web contains web.a");
  });

  it("fails with exit 1 and the last nixops4 error line as reason", async () => {
    const r = await run({
      fake: {
        mode: "fail",
        resources: ["net.dns", "web.mastodon", "web.peertube"],
        failAt: "web.mastodon",
        reason: "quota exceeded",
      },
    });
    expect(r.result).toEqual({
      outcome: "failed",
      exitCode: 1,
      signal: null,
      reason: "Failed to create stateless resource web.mastodon: quota exceeded",
    });
    const progress = parseProgress(r.stderrText);
    expect(progress.created).toEqual(["net.dns"]);
    expect(progress.failed).toEqual([{ resource: "web.mastodon", reason: "quota exceeded" }]);
  });

  it("reports exit 101 as a crash", async () => {
    const r = await run({ fake: { mode: "crash", resources: ["a"] } });
    expect(r.result.outcome).toBe("errored");
    expect(r.result.exitCode).toBe(101);
    expect(r.result.reason).toMatch(/^nixops4 crashed: thread 'main' panicked at .*unwrap/);
  });

  it("interrupts a run that exceeds its timeout with SIGINT", async () => {
    const r = await run({ fake: { mode: "hang", resources: ["a"] } }, { timeoutMs: 500, killGraceMs: 2000 });
    expect(r.result).toEqual({
      outcome: "errored",
      exitCode: 1,
      signal: null,
      reason: "timed out after 500ms",
    });
    expect(r.stderrText.endsWith("nixops4 error: interrupted\n")).toBe(true);
    expect(r.elapsed).toBeGreaterThanOrEqual(500);
    // SIGINT was enough: no need to wait for the next step of the escalation.
    expect(r.elapsed).toBeLessThan(2000);
  });

  it("escalates to SIGKILL when nixops4 ignores SIGINT and SIGTERM", async () => {
    const r = await run(
      { fake: { mode: "ignore-sigterm", resources: ["a"] } },
      { timeoutMs: 600, killGraceMs: 200 },
    );
    expect(r.result).toEqual({
      outcome: "errored",
      exitCode: null,
      signal: "SIGKILL",
      reason: "timed out after 600ms",
    });
    expect(r.elapsed).toBeGreaterThanOrEqual(600 + 200 + 200);
  });

  it("cancels a running apply, and the fake records its start and end", async () => {
    const record = join(root, "record.jsonl");
    const r = await run(
      { deploymentId: "dep-cancel", fake: { mode: "hang", resources: ["a", "b"] } },
      {
        env: { FAKE_NIXOPS4_RECORD: record },
        onChunk: (_chunk, handle, c) => {
          if (c.stderr.includes("creating resource a\n")) handle.cancel("operator pressed stop");
        },
      },
    );
    expect(r.result).toEqual({
      outcome: "canceled",
      exitCode: 1,
      signal: null,
      reason: "operator pressed stop",
    });
    expect(r.stderrText).toContain("nixops4 error: interrupted");
    const events = readFileSync(record, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { event: string; pid: number; cwd: string; deployment: string });
    expect(events.map((e) => [e.event, e.pid, e.deployment, e.cwd])).toEqual([
      ["start", r.handle.pid, "dep-cancel", r.cwd],
      ["end", r.handle.pid, "dep-cancel", r.cwd],
    ]);
    // Once it is over, cancel() changes nothing.
    r.handle.cancel("too late");
    await expect(r.handle.result).resolves.toEqual(r.result);
  });

  it("signals the whole process group, so nixops4's children stop too", async () => {
    let helper = 0;
    const r = await run(
      { fake: { mode: "hang-with-child", resources: ["a"] } },
      {
        onChunk: (_chunk, handle, c) => {
          if (helper === 0 && /helper pid \d+\n/.test(c.stderr.toString())) {
            helper = helperPid(c.stderr.toString());
            handle.cancel();
          }
        },
      },
    );
    expect(r.result.outcome).toBe("canceled");
    expect(r.result.reason).toBe("canceled");
    expect(helper).toBeGreaterThan(0);
    expect(await eventually(() => processGone(helper))).toBe(true);
  });

  it("cleans up children that outlive nixops4 and hold its stderr open", async () => {
    const r = await run({ fake: { mode: "leave-child", resources: ["a"] } }, { killGraceMs: 200 });
    expect(r.result).toEqual({ outcome: "succeeded", exitCode: 0, signal: null, reason: null });
    const helper = helperPid(r.stderrText);
    expect(await eventually(() => processGone(helper))).toBe(true);
  });

  it("delivers a 50 MB flood of output completely", async () => {
    let bytes = 0;
    let chunks = 0;
    const started = Date.now();
    const cwd = deploymentDir({ fake: { mode: "flood", floodBytes: 50_000_000 } });
    const result = await startNixops4({
      bin: FAKE,
      cwd,
      env: { PATH },
      timeoutMs: 15_000,
      killGraceMs: 200,
      onOutput: ({ stream, data }) => {
        if (stream === "stderr") bytes += data.length;
        chunks++;
      },
    }).result;
    expect(result.outcome).toBe("succeeded");
    expect(bytes).toBe(50_000_000);
    expect(chunks).toBeGreaterThan(1);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("waits for an async output handler: one call at a time, in order, before the result", async () => {
    const deployment = { fake: { mode: "flood", floodBytes: 2_000_000 } };
    const cwd = deploymentDir(deployment);
    const direct = spawnSync(FAKE, ["apply", "--no-interactive"], { cwd, env: { PATH }, maxBuffer: 1 << 24 });
    expect(direct.stderr.length).toBe(2_000_000);

    const received: Buffer[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    let calls = 0;
    const result = await startNixops4({
      bin: FAKE,
      cwd,
      env: { PATH },
      timeoutMs: 10_000,
      killGraceMs: 200,
      onOutput: async ({ data }) => {
        inFlight++;
        calls++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        // Uneven delays would reorder chunks if calls overlapped.
        await new Promise((r) => setTimeout(r, calls % 3 === 0 ? 5 : 0));
        received.push(data);
        inFlight--;
      },
    }).result;
    expect(result.outcome).toBe("succeeded");
    expect(inFlight).toBe(0);
    expect(maxInFlight).toBe(1);
    expect(Buffer.concat(received).equals(direct.stderr)).toBe(true);
  });

  it("holds nixops4 back while the output handler is busy", async () => {
    const record = join(root, "backpressure.jsonl");
    const cwd = deploymentDir({ fake: { mode: "flood", floodBytes: 8_000_000 } });
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let firstCall!: () => void;
    const called = new Promise<void>((r) => (firstCall = r));
    let bytes = 0;
    const handle = startNixops4({
      bin: FAKE,
      cwd,
      env: { PATH, FAKE_NIXOPS4_RECORD: record },
      timeoutMs: 10_000,
      killGraceMs: 200,
      onOutput: async ({ data }) => {
        bytes += data.length;
        firstCall();
        await released;
      },
    });
    await called;
    await new Promise((r) => setTimeout(r, 300));
    // Far more than any pipe buffer: the fake can only have finished if we kept reading.
    expect(readFileSync(record, "utf8")).not.toContain('"end"');
    release();
    expect((await handle.result).outcome).toBe("succeeded");
    expect(bytes).toBe(8_000_000);
    expect(readFileSync(record, "utf8")).toContain('"end"');
  });

  it("passes bytes that are not UTF-8 through unchanged", async () => {
    const r = await run({ fake: { mode: "invalid-utf8", resources: ["a"] } });
    const expected = Buffer.concat([
      Buffer.from(
        "The following resources (and nested composites, if any) will be applied:\n  a\n[provider] raw: ",
      ),
      Buffer.from([0xff, 0xfe, 0xc3, 0x28]),
      Buffer.from("\ncreating resource a\nlatin1: "),
      Buffer.from([0xe9, 0x0a]),
    ]);
    // Decoding to a string on the way would replace these bytes.
    expect(Buffer.from(expected.toString("utf8")).equals(expected)).toBe(false);
    expect(r.result.outcome).toBe("succeeded");
    expect(r.stderr.equals(expected)).toBe(true);
  });

  it("stops nixops4 when the output handler fails", async () => {
    const r = await run(
      { fake: { mode: "hang", resources: ["a"] } },
      {
        onOutput: () => {
          throw new Error("disk full");
        },
      },
    );
    expect(r.result).toEqual({
      outcome: "errored",
      exitCode: 1,
      signal: null,
      reason: "output handler failed: disk full",
    });
  });

  it("reports a binary that cannot be started", async () => {
    const cwd = deploymentDir({});
    const missing = startNixops4({
      bin: join(root, "no-such-nixops4"),
      cwd,
      timeoutMs: 1000,
      killGraceMs: 100,
      onOutput: () => {},
    });
    expect(missing.pid).toBeUndefined();
    const result = await missing.result;
    expect(result.outcome).toBe("errored");
    expect(result.exitCode).toBeNull();
    expect(result.reason).toMatch(/^could not start: .*ENOENT/);

    const notExecutable = join(root, "not-executable");
    writeFileSync(notExecutable, "#!/bin/sh\nexit 0\n");
    chmodSync(notExecutable, 0o644);
    const r2 = await startNixops4({
      bin: notExecutable,
      cwd,
      timeoutMs: 1000,
      killGraceMs: 100,
      onOutput: () => {},
    }).result;
    expect(r2.outcome).toBe("errored");
    expect(r2.reason).toMatch(/^could not start: .*EACCES/);
  });

  it("gives nixops4 a minimal environment, without the gateway's secrets", async () => {
    process.env.FEDI_SECRET_TEST = "hunter2";
    try {
      // The environment variable also overrides the mode in deployment.json.
      const r = await run(
        { fake: { mode: "fail", resources: ["a"] } },
        { env: { FAKE_NIXOPS4_MODE: "print-env", EXTRA_SETTING: "on" } },
      );
      expect(r.result.outcome).toBe("succeeded");
      const env = JSON.parse(r.stderrText) as Record<string, string>;
      expect(env.FEDI_SECRET_TEST).toBeUndefined();
      expect(env).toMatchObject({ PATH, LANG: "C.UTF-8", TZ: "UTC", EXTRA_SETTING: "on" });
      const allowed = ["PATH", "HOME", "LANG", "TZ", "FAKE_NIXOPS4_MODE", "EXTRA_SETTING"];
      expect(Object.keys(env).filter((k) => !allowed.includes(k))).toEqual([]);
    } finally {
      delete process.env.FEDI_SECRET_TEST;
    }
  });

  it("answers members list on stdout", async () => {
    const deployment = { fake: { resources: ["web.mastodon", "web.peertube", "dns"] } };
    const top = await run(deployment, { args: ["members", "list"] });
    expect(top.result.outcome).toBe("succeeded");
    expect(top.stdout.toString()).toBe("web\ndns\n");
    expect(top.chunks.filter((c) => c.stream === "stderr").length).toBeGreaterThan(0);
    expect(top.stderrText).not.toContain("web\n");
    const web = await run(deployment, { args: ["members", "list", "web"] });
    expect(web.stdout.toString()).toBe("mastodon\npeertube\n");
  });

  it("answers state dump with the state JSON on stdout", async () => {
    const deployment = { fake: { resources: ["state", "web.mastodon"] } };
    const r = await run(deployment, { args: ["state", "dump", "state"] });
    expect(r.result.outcome).toBe("succeeded");
    const state = JSON.parse(r.stdout.toString()) as {
      _type: string;
      resources: object;
      deployments: object;
    };
    expect(state._type).toBe("nixopsState");
    expect(Object.keys(state.resources)).toEqual(["state", "web.mastodon"]);
    expect(state.deployments).toEqual({});
    expect(r.stderrText).not.toContain("fake-secret");

    const missing = await run(deployment, { args: ["state", "dump", "nope"] });
    expect(missing.result).toMatchObject({
      outcome: "failed",
      exitCode: 1,
      reason: "no such resource: nope",
    });
    expect(missing.stdout.length).toBe(0);
  });

  it("fails on an unknown command", async () => {
    const r = await run({}, { args: ["destroy"] });
    expect(r.result).toEqual({
      outcome: "failed",
      exitCode: 1,
      signal: null,
      reason: "unknown command: destroy",
    });
  });

  it("keeps only a tail of stderr but still finds the final error line", async () => {
    const r = await run(
      { fake: { mode: "fail", resources: ["a"], reason: "x".repeat(100) } },
      { env: { FAKE_NIXOPS4_RESOURCES: Array.from({ length: 2000 }, (_, i) => `r${i}`).join(",") } },
    );
    expect(r.stderr.length).toBeGreaterThan(64 * 1024);
    expect(r.result.reason).toBe(`Failed to create stateless resource r1999: ${"x".repeat(100)}`);
  });
});
