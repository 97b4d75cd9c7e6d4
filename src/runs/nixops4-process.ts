// Runs one nixops4 process for the run gateway: minimal environment, its own process group, raw output
// with backpressure, and a SIGINT -> SIGTERM -> SIGKILL escalation on timeout or cancel. The contract of
// the command line is README.md, "The nixops4 contract" (§3 environment, §4 exit status and signals). No
// database code here: the gateway decides what to do with the output and the result.

import { spawn, type ChildProcess } from "node:child_process";
import { accessSync, constants as fsConstants, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import type { Readable } from "node:stream";

export type Nixops4Stream = "stdout" | "stderr";

export type Nixops4OutputChunk = { stream: Nixops4Stream; data: Buffer };

export type Nixops4ProcessOptions = {
  /** The executable (NIXOPS4_BIN). */
  bin: string;
  /** The run's working directory; it already contains deployment.json. */
  cwd: string;
  /** Defaults to ["apply", "--no-interactive"]. */
  args?: string[];
  /** Added to the minimal environment (PATH, HOME, LANG=C.UTF-8, TZ=UTC); may override those. */
  env?: Record<string, string>;
  timeoutMs: number;
  /** Time between the steps SIGINT -> SIGTERM -> SIGKILL. */
  killGraceMs: number;
  /**
   * The signal nixops4 gets when the process that started it dies (Linux, through util-linux setpriv),
   * so that it does not outlive a killed worker and overlap its deployment's next run. Without setpriv
   * on PATH, nixops4 is started directly.
   */
  parentDeathSignal?: NodeJS.Signals;
  /**
   * Gets every chunk, raw and in order, one call at a time. While a returned promise is pending, both
   * streams are paused. A throw or rejection stops the process (outcome "errored").
   */
  onOutput: (chunk: Nixops4OutputChunk) => void | Promise<void>;
};

export type Nixops4Outcome = "succeeded" | "failed" | "errored" | "canceled";

export type Nixops4Result = {
  outcome: Nixops4Outcome;
  exitCode: number | null;
  signal: string | null;
  /** Null on success; otherwise one line for people, e.g. the message of the last `nixops4 error:` line. */
  reason: string | null;
};

export type Nixops4Run = {
  pid: number | undefined;
  /** Never rejects; settles after all output was handed to onOutput. */
  result: Promise<Nixops4Result>;
  /** Stops the process with the escalation; a no-op once it has exited. */
  cancel(reason?: string): void;
};

export const DEFAULT_NIXOPS4_ARGS: readonly string[] = ["apply", "--no-interactive"];

// Enough for the final error line (and a panic message) without keeping tens of MB of output.
const STDERR_TAIL_BYTES = 16 * 1024;

const ERROR_PREFIX = "nixops4 error:";

// Colours or cursor movement would hide the prefixes we look for.
// eslint-disable-next-line no-control-regex
const ANSI_ESCAPE = /\x1b\[[0-?]*[ -/]*[@-~]/g;

export function formatDuration(ms: number): string {
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000}min`;
  if (ms >= 1000 && ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

function minimalEnv(extra: Record<string, string> | undefined): Record<string, string> {
  // Nothing else from our own environment: it holds database passwords and API tokens, and nixops4 hands
  // its environment on to every resource provider.
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
    LANG: "C.UTF-8",
    TZ: "UTC",
  };
  if (process.env.HOME !== undefined) env.HOME = process.env.HOME;
  return { ...env, ...extra };
}

function cleanLine(line: string): string {
  const noCr = line.endsWith("\r") ? line.slice(0, -1) : line;
  // A carriage return inside a line redraws it on a terminal; only the text after it stays visible.
  return noCr.slice(noCr.lastIndexOf("\r") + 1).replace(ANSI_ESCAPE, "");
}

/** The message of the last `nixops4 error:` line, or null. */
export function lastErrorLine(stderrTail: string): string | null {
  const lines = stderrTail.split("\n");
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = cleanLine(lines[i] ?? "").trim();
    if (line.startsWith(ERROR_PREFIX)) return line.slice(ERROR_PREFIX.length).trim() || "unknown error";
  }
  return null;
}

function panicLine(stderrTail: string): string | null {
  const lines = stderrTail.split("\n").map((l) => cleanLine(l).trim());
  const i = lines.findIndex((l) => / panicked at /.test(l));
  if (i < 0) return null;
  // Rust prints the location on one line and the panic message on the next.
  const message = lines[i + 1];
  return message ? `${lines[i]} ${message}` : (lines[i] ?? null);
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch {
    return false;
  }
  // Zombies count for kill(), and PID 1 in a container often never reaps orphans; on Linux, look closer.
  let pids: string[];
  try {
    pids = readdirSync("/proc").filter((name) => /^\d+$/.test(name));
  } catch {
    return true;
  }
  return pids.some((p) => {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, "utf8");
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      return Number(pgrp) === pgid && state !== "Z" && state !== "X";
    } catch {
      return false;
    }
  });
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the whole group is gone already.
  }
}

export function startNixops4(opts: Nixops4ProcessOptions): Nixops4Run {
  const args = opts.args ?? [...DEFAULT_NIXOPS4_ARGS];
  let settle!: (r: Nixops4Result) => void;
  const result = new Promise<Nixops4Result>((resolve) => (settle = resolve));
  let settled = false;
  const finish = (r: Nixops4Result) => {
    if (settled) return;
    settled = true;
    settle(r);
  };

  let child: ChildProcess;
  const env = minimalEnv(opts.env);
  const setpriv = opts.parentDeathSignal ? setprivOn(env.PATH) : null;
  let command = opts.bin;
  let argv = args;
  if (setpriv) {
    // setpriv would report a missing nixops4 as its own exit status 127: look first, like spawn would.
    const bin = findExecutable(opts.bin, env.PATH, opts.cwd);
    if (!bin) {
      finish({
        outcome: "errored",
        exitCode: null,
        signal: null,
        reason: `could not start: spawn ${opts.bin} ENOENT`,
      });
      return { pid: undefined, result, cancel: () => {} };
    }
    command = setpriv;
    argv = ["--pdeathsig", (opts.parentDeathSignal as string).replace(/^SIG/, ""), "--", bin, ...args];
  }
  try {
    child = spawn(command, argv, {
      cwd: opts.cwd,
      env,
      stdio: ["ignore", "pipe", "pipe"],
      // Its own process group, so one signal reaches nixops4 and the providers it started.
      detached: true,
    });
  } catch (e) {
    finish({ outcome: "errored", exitCode: null, signal: null, reason: `could not start: ${errorText(e)}` });
    return { pid: undefined, result, cancel: () => {} };
  }
  const pid = child.pid;
  const stdout = child.stdout as Readable;
  const stderr = child.stderr as Readable;

  let stop: { outcome: "errored" | "canceled"; reason: string } | null = null;
  let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  let spawnError: Error | null = null;
  let closed = false;
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };
  const clearTimers = () => {
    for (const t of timers) clearTimeout(t);
    timers.clear();
  };

  // --- output: a single queue for both streams keeps the chunks in arrival order, one onOutput at a time.
  let tail: Buffer = Buffer.alloc(0);
  const queue: Nixops4OutputChunk[] = [];
  let pumping = false;
  let paused = false;
  let outputError: string | null = null;
  let drained: (() => void) | null = null;

  const keepTail = (data: Buffer) => {
    const joined = data.length >= STDERR_TAIL_BYTES ? data : Buffer.concat([tail, data]);
    // A copy, so that the tail does not pin a large chunk in memory.
    tail = joined.length > STDERR_TAIL_BYTES ? Buffer.from(joined.subarray(-STDERR_TAIL_BYTES)) : joined;
  };

  const pump = async () => {
    pumping = true;
    while (queue.length > 0) {
      const chunk = queue.shift() as Nixops4OutputChunk;
      // Once the handler failed, later chunks would leave a gap in the log; drop them all instead.
      if (outputError) continue;
      try {
        const pending: unknown = opts.onOutput(chunk);
        if (isPromiseLike(pending)) {
          if (!paused) {
            paused = true;
            stdout.pause();
            stderr.pause();
          }
          await pending;
        }
      } catch (e) {
        outputError = `output handler failed: ${errorText(e)}`;
        beginStop("errored", outputError);
      }
    }
    pumping = false;
    if (paused) {
      paused = false;
      stdout.resume();
      stderr.resume();
    }
    drained?.();
  };

  const onData = (stream: Nixops4Stream) => (data: Buffer) => {
    if (stream === "stderr") keepTail(data);
    queue.push({ stream, data });
    if (!pumping) void pump();
  };
  stdout.on("data", onData("stdout"));
  stderr.on("data", onData("stderr"));

  const outputDrained = () =>
    new Promise<void>((resolve) => {
      if (!pumping && queue.length === 0) return resolve();
      drained = () => {
        if (!pumping && queue.length === 0) {
          drained = null;
          resolve();
        }
      };
    });

  // --- stopping
  function beginStop(outcome: "errored" | "canceled", reason: string) {
    if (exit || spawnError || stop || pid === undefined) return;
    stop = { outcome, reason };
    clearTimers();
    // nixops4 turns SIGINT into a clean "interrupted" error, so it gets the chance to save its state first.
    signalGroup(pid, "SIGINT");
    later(opts.killGraceMs, () => {
      signalGroup(pid, "SIGTERM");
      later(opts.killGraceMs, () => signalGroup(pid, "SIGKILL"));
    });
  }

  if (pid !== undefined) {
    later(opts.timeoutMs, () => beginStop("errored", `timed out after ${formatDuration(opts.timeoutMs)}`));
  }

  // --- the end
  const conclude = async () => {
    await outputDrained();
    if (spawnError) {
      finish({
        outcome: "errored",
        exitCode: null,
        signal: null,
        reason: `could not start: ${spawnError.message}`,
      });
      return;
    }
    const code = exit?.code ?? null;
    const signal = exit?.signal ?? null;
    const stderrText = tail.toString("utf8");
    // A run that finished its work before the stop took effect did apply the deployment: say so.
    if (code === 0) finish({ outcome: "succeeded", exitCode: 0, signal: null, reason: null });
    else if (stop) finish({ outcome: stop.outcome, exitCode: code, signal, reason: stop.reason });
    else if (outputError) finish({ outcome: "errored", exitCode: code, signal, reason: outputError });
    else if (code === 1) {
      const reason = lastErrorLine(stderrText) ?? "nixops4 exited with status 1 without an error message";
      finish({ outcome: "failed", exitCode: 1, signal: null, reason });
    } else if (code === 101) {
      const panic = panicLine(stderrText);
      finish({
        outcome: "errored",
        exitCode: 101,
        signal: null,
        reason: `nixops4 crashed${panic ? `: ${panic}` : ""}`,
      });
    } else if (signal)
      finish({ outcome: "errored", exitCode: null, signal, reason: `nixops4 was killed by ${signal}` });
    else
      finish({
        outcome: "errored",
        exitCode: code,
        signal: null,
        reason: `nixops4 exited with status ${code}`,
      });
  };

  child.on("error", (e) => {
    // Only spawn failures matter: we never use child.kill(), whose failures also come here.
    if (pid === undefined && !spawnError) {
      spawnError = e;
      void conclude();
    }
  });

  let groupGone!: () => void;
  const groupReaped = new Promise<void>((resolve) => (groupGone = resolve));

  let giveUpOnPipes: NodeJS.Timeout | undefined;

  child.on("exit", (code, signal) => {
    exit = { code, signal };
    clearTimers();
    if (pid === undefined || !groupAlive(pid)) return groupGone();
    // Leftover providers could still touch the deployment's state while the next run starts, and they may
    // hold our pipes open: one grace period after SIGTERM, then SIGKILL.
    signalGroup(pid, "SIGTERM");
    const deadline = Date.now() + opts.killGraceMs;
    const step = Math.min(25, opts.killGraceMs);
    const poll = () => {
      if (groupAlive(pid) && Date.now() < deadline) return later(step, poll);
      if (groupAlive(pid)) signalGroup(pid, "SIGKILL");
      groupGone();
      if (closed) return;
      giveUpOnPipes = setTimeout(() => {
        // Someone outside the group holds the pipes; stop waiting for them.
        stdout.destroy();
        stderr.destroy();
      }, opts.killGraceMs);
    };
    later(step, poll);
  });

  child.on("close", () => {
    closed = true;
    clearTimeout(giveUpOnPipes);
    if (pid !== undefined) void groupReaped.then(conclude);
  });

  return {
    pid,
    result,
    cancel: (reason?: string) => beginStop("canceled", reason ?? "canceled"),
  };
}

const setprivByPath = new Map<string, string | null>();

function setprivOn(pathVar: string | undefined): string | null {
  const key = pathVar ?? "";
  if (!setprivByPath.has(key)) setprivByPath.set(key, findExecutable("setpriv", pathVar));
  return setprivByPath.get(key) ?? null;
}

/** The executable a command names, searched on PATH as execvp would; null when there is none. */
export function findExecutable(command: string, pathVar: string | undefined, cwd = "."): string | null {
  const candidates = command.includes("/")
    ? [path.resolve(cwd, command)]
    : (pathVar ?? "").split(":").map((dir) => path.resolve(cwd, dir || ".", command));
  for (const file of candidates) {
    try {
      accessSync(file, fsConstants.X_OK);
      if (statSync(file).isFile()) return file;
    } catch {
      // not there, or not executable
    }
  }
  return null;
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === "function";
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

// --- progress lines (free text, README.md, "The nixops4 contract" §5, so everything here is best effort)

export type Nixops4Progress = {
  planned: string[];
  created: string[];
  skipped: string[];
  failed: { resource: string; reason: string }[];
};

const PLAN_HEADER = "The following resources (and nested composites, if any) will be applied:";
const PLANNED = /^\s+(\S+)\s*$/;
const CREATING = /^creating resource (\S+)\s*$/;
const SKIPPING = /^Skipping update for resource (\S+): inputs unchanged\s*$/;
const FAILED = /^nixops4 error: Failed to create stateless resource ([^\s:]+): (.*)$/;

/**
 * Reads the progress lines out of (a prefix of) nixops4's stderr. Other lines may be interleaved. An
 * unterminated last line is ignored, because it may still grow; append "\n" once the output is complete.
 */
export function parseProgress(text: string): Nixops4Progress {
  const parser = new ProgressParser();
  const lines = text.split("\n");
  lines.pop();
  for (const line of lines) parser.line(line);
  return parser.progress();
}

/** Progress read line by line, so output of any size can be fed through in pieces. */
export class ProgressParser {
  // Sets keep first-seen order and find repeats in constant time (resources can number in the thousands).
  private readonly planned = new Set<string>();
  private readonly created = new Set<string>();
  private readonly skipped = new Set<string>();
  private readonly failed: { resource: string; reason: string }[] = [];
  private inPlan = false;

  /** One complete line, without its newline. */
  line(raw: string): void {
    const line = cleanLine(raw);
    const trimmed = line.trim();
    if (trimmed === PLAN_HEADER) {
      this.inPlan = true;
      return;
    }
    let m: RegExpExecArray | null;
    if ((m = CREATING.exec(trimmed))) {
      this.inPlan = false;
      this.created.add(m[1] as string);
    } else if ((m = SKIPPING.exec(trimmed))) {
      this.inPlan = false;
      this.skipped.add(m[1] as string);
    } else if ((m = FAILED.exec(trimmed))) {
      this.inPlan = false;
      this.failed.push({ resource: m[1] as string, reason: (m[2] as string).trim() });
    } else if (this.inPlan && (m = PLANNED.exec(line))) {
      // Only indented single words count, so provider chatter printed amid the list is skipped.
      this.planned.add(m[1] as string);
    }
  }

  progress(): Nixops4Progress {
    return {
      planned: [...this.planned],
      created: [...this.created],
      skipped: [...this.skipped],
      failed: [...this.failed],
    };
  }
}
