import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import net from "node:net";
import { fileURLToPath } from "node:url";

export type FedicentralProcess = { url: string; pid: number; stop: () => Promise<void> };

const root = fileURLToPath(new URL("../../..", import.meta.url));

/** The command `npm start` runs (package.json's start script), with this Node.js for its `node`. */
function startCommand(): string[] {
  const pkg = JSON.parse(readFileSync(`${root}/package.json`, "utf8")) as { scripts: { start: string } };
  const [program, ...args] = pkg.scripts.start.trim().split(/\s+/);
  if (program !== "node") throw new Error(`the start script does not run node: ${pkg.scripts.start}`);
  return [process.execPath, ...args];
}

async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as net.AddressInfo;
  server.close();
  await once(server, "close");
  return port;
}

/**
 * fedicentral as users run it: `npm start`'s command in a process of its own (its heap, its event loop,
 * the run and accounting workers beside the server), NODE_ENV=production with the keys production requires,
 * on an already migrated database. Resolves once /readyz answers 200.
 */
export async function startFedicentralProcess(env: Record<string, string>): Promise<FedicentralProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const [cmd, ...args] = startCommand();
  const proc: ChildProcess = spawn(cmd!, args, {
    cwd: root,
    env: { ...process.env, NODE_ENV: "production", LOG_LEVEL: "warn", PORT: String(port), ...env },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const exited = once(proc, "exit");
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.exitCode !== null)
      throw new Error(`fedicentral exited with ${proc.exitCode} before it was ready`);
    const ok = await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      proc.kill("SIGKILL");
      throw new Error("fedicentral was not ready within 60 s");
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    pid: proc.pid!,
    stop: async () => {
      if (proc.exitCode === null) proc.kill("SIGTERM");
      await exited;
    },
  };
}
