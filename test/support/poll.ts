/**
 * Reads every 50 ms until `done` holds of what was read, and returns that; after `timeoutMs` it throws,
 * naming what it waited for (a function gets the last value read, for a message that says where it stuck).
 */
export async function pollUntil<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  opts: { what: string | ((last: T) => string); timeoutMs?: number },
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(
        `timed out waiting for ${typeof opts.what === "string" ? opts.what : opts.what(value)}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
