import { spawn } from "node:child_process";
import path from "node:path";

/**
 * A stand-in for systemd's notify socket: an AF_UNIX datagram socket (Node cannot open one, python3 can)
 * whose every message is collected, as systemd would read them.
 */
export type FakeNotifySocket = { path: string; messages: () => string[]; close: () => void };

const RECEIVER = `
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("bound", flush=True)
while True:
    print(s.recv(65536).decode().replace("\\n", " "), flush=True)
`;

export async function fakeNotifySocket(dir: string): Promise<FakeNotifySocket> {
  const socketPath = path.join(dir, "notify.sock");
  const child = spawn("python3", ["-c", RECEIVER, socketPath], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  await new Promise<void>((resolve, reject) => {
    child.once("error", reject);
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.startsWith("bound\n")) resolve();
    });
  });
  return {
    path: socketPath,
    messages: () => out.split("\n").slice(1, -1),
    close: () => child.kill(),
  };
}
