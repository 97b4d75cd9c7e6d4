import { execFile } from "node:child_process";

/**
 * Tells systemd (a `Type=notify` unit) how the process is doing: READY=1 once it serves, STOPPING=1 when
 * shutdown begins, WATCHDOG=1 while it is healthy. The protocol is one datagram on an AF_UNIX socket, which
 * Node cannot send (no unix datagram sockets), so each message goes through systemd's own `systemd-notify`,
 * whose barrier waits until the manager has read it. A child sends it, hence `NotifyAccess=all`.
 */
export type SystemdNotifier = {
  ready(): Promise<void>;
  stopping(): Promise<void>;
  /** With WATCHDOG_USEC set: pings at half that period while `healthy` answers true; returns a stop. */
  watchdog(healthy: () => Promise<boolean>): () => void;
};

/** Where notification trouble is reported: the process's logger (common names no type of the project). */
type ErrorLog = {
  error(details: object, message: string): void;
  warn(details: object | string, message?: string): void;
};

/** Null when not started by systemd with a notify socket (development, tests, plain shells). */
export function systemdNotifier(env: NodeJS.ProcessEnv, log: ErrorLog): SystemdNotifier | null {
  const socket = env.NOTIFY_SOCKET;
  if (!socket) return null;
  const send = (message: string) =>
    new Promise<void>((resolve) => {
      execFile("systemd-notify", [message], { env: { NOTIFY_SOCKET: socket }, timeout: 10_000 }, (err) => {
        if (err) log.error({ err, message }, "could not notify systemd (is systemd-notify on PATH?)");
        resolve();
      });
    });
  const watchdogUsec = Number(env.WATCHDOG_USEC);
  const forUs = !env.WATCHDOG_PID || Number(env.WATCHDOG_PID) === process.pid;
  return {
    ready: () => send("READY=1"),
    stopping: () => send("STOPPING=1"),
    watchdog: (healthy) => {
      if (!(watchdogUsec > 0) || !forUs) return () => undefined;
      // A blocked event loop misses its ticks, and an unhealthy check skips them: systemd then restarts us.
      const everyMs = Math.max(1, Math.floor(watchdogUsec / 2000));
      let busy = false;
      const timer = setInterval(() => {
        if (busy) return;
        busy = true;
        healthy()
          .then((ok) => (ok ? send("WATCHDOG=1") : log.warn("unhealthy: watchdog not pinged")))
          .catch((e: unknown) => log.warn({ err: e }, "unhealthy: watchdog not pinged"))
          .finally(() => (busy = false));
      }, everyMs);
      timer.unref();
      return () => clearInterval(timer);
    },
  };
}
