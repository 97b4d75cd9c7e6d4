// Secret values never reach a run's stored log: each occurrence becomes ***, as CI systems mask their
// secrets. Output comes in chunks, so a secret split across two chunks must be found too: a stream's
// masker holds back the last bytes that could be the start of one until the next chunk (or the end).

export const MASK = Buffer.from("***");

/** Values shorter than this are not masked: "1" or "eu" would blank out half the log. */
export const MIN_SECRET_LENGTH = 4;

function firstMatch(
  buf: Buffer,
  secrets: readonly Buffer[],
  from: number,
): { at: number; length: number } | null {
  let best: { at: number; length: number } | null = null;
  for (const s of secrets) {
    const at = buf.indexOf(s, from);
    // The leftmost wins; at the same place, the longest (secrets are sorted longest first).
    if (at >= 0 && (best === null || at < best.at)) best = { at, length: s.length };
  }
  return best;
}

/** Every secret in buf masked; `until` is where the last match ended (0 if none). */
function maskAll(buf: Buffer, secrets: readonly Buffer[]): { out: Buffer[]; until: number } {
  const out: Buffer[] = [];
  let pos = 0;
  let until = 0;
  for (let m = firstMatch(buf, secrets, 0); m; m = firstMatch(buf, secrets, pos)) {
    out.push(buf.subarray(pos, m.at), MASK);
    pos = m.at + m.length;
    until = pos;
  }
  out.push(buf.subarray(pos));
  return { out, until };
}

export class SecretMasker {
  private readonly secrets: Buffer[];
  private readonly keep: number;
  private held: Buffer = Buffer.alloc(0);

  constructor(values: Iterable<string>) {
    const distinct = new Set([...values].filter((v) => Buffer.byteLength(v) >= MIN_SECRET_LENGTH));
    this.secrets = [...distinct].map((v) => Buffer.from(v)).sort((a, b) => b.length - a.length);
    this.keep = Math.max(0, ...this.secrets.map((s) => s.length - 1));
  }

  /** The masked bytes that are safe to store now; may be empty while a possible secret is held back. */
  push(data: Buffer): Buffer {
    if (this.secrets.length === 0) return data;
    const buf = this.held.length ? Buffer.concat([this.held, data]) : data;
    // Bytes from here on could begin a secret that the next chunk completes, unless a match covers them.
    const { out, until } = maskAll(buf, this.secrets);
    const cut = Math.max(until, buf.length - this.keep);
    const tailStart = buf.length - cut;
    this.held = Buffer.from(buf.subarray(cut));
    // Drop the held bytes from the end of the output (they are all in its last, unmatched piece).
    const last = out[out.length - 1]!;
    out[out.length - 1] = last.subarray(0, last.length - tailStart);
    return Buffer.concat(out);
  }

  /** What is still held back, masked: the end of the stream. */
  end(): Buffer {
    const rest = this.held;
    this.held = Buffer.alloc(0);
    return this.secrets.length ? Buffer.concat(maskAll(rest, this.secrets).out) : rest;
  }

  /** A whole text at once (a run's reason, say). */
  maskText(text: string): string {
    return this.secrets.length
      ? Buffer.concat(maskAll(Buffer.from(text), this.secrets).out).toString()
      : text;
  }
}
