import { randomUUID } from "node:crypto";
import os from "node:os";
import { type Caller, systemCaller } from "../common/caller.js";

/** Who runs this command, for the accounting trail: the OS user (and, under sudo, who called sudo). */
export function commandLineActor(): string {
  let user: string;
  try {
    user = os.userInfo().username;
  } catch {
    // A container user with no passwd entry.
    user = `uid ${process.getuid?.() ?? "?"}`;
  }
  const sudoUser = process.env.SUDO_USER;
  const who = sudoUser && sudoUser !== user ? `${user} (sudo by ${sudoUser})` : user;
  return `${who}@${os.hostname()}`;
}

/**
 * The caller of one CLI command: the service's own authority, recorded as kind system with the actor's
 * name, and a request id of its own so that the events of one command can be found together.
 */
export function commandLineCaller(command: string): Caller {
  return systemCaller({
    requestId: `cli-${randomUUID()}`,
    actor: commandLineActor(),
    userAgent: `fedicentral-cli (${command})`,
  });
}
