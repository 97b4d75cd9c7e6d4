import { describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import { SecretMasker } from "../../../src/runs/secret-mask.js";

/** Feeds the text in pieces cut at the given points, as a stream's chunks come. */
function streamed(secrets: string[], text: string, cuts: number[]): string {
  const m = new SecretMasker(secrets);
  const bytes = Buffer.from(text);
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const p of [...points, bytes.length]) {
    out.push(m.push(bytes.subarray(from, p)));
    from = p;
  }
  out.push(m.end());
  return Buffer.concat(out).toString();
}

describe("masking secrets in a run's output", () => {
  it("masks every occurrence, however the output is cut into chunks", () => {
    const s = ["token-abc123", "pass:xyz"];
    const text = "token-abc123 and pass:xyz, twice: token-abc123pass:xyz; end";
    const whole = "*** and ***, twice: ******; end";
    expect(streamed(s, text, [])).toBe(whole);
    for (let i = 0; i <= text.length; i++) expect(streamed(s, text, [i])).toBe(whole);
    for (let i = 0; i <= text.length; i++) expect(streamed(s, text, [i, i + 1, i + 3])).toBe(whole);
  });

  it("gives the same answer streamed as all at once, and never lets a secret through (property)", () => {
    const alphabet = fc.constantFrom("a", "b", "c", "é", "\n");
    const word = fc.string({ unit: alphabet, minLength: 4, maxLength: 7 });
    fc.assert(
      fc.property(
        fc.array(word, { minLength: 1, maxLength: 3 }),
        fc.array(fc.oneof(word, fc.string({ unit: alphabet, maxLength: 5 })), { maxLength: 12 }),
        fc.array(fc.nat(200), { maxLength: 8 }),
        (secrets, parts, cuts) => {
          const text = parts.join("");
          const once = new SecretMasker(secrets).maskText(text);
          const got = streamed(secrets, text, cuts);
          expect(got).toBe(once);
          // No secret is left whole (the alphabet has no "*", so a mask never helps make one).
          for (const x of secrets) expect(got.includes(x)).toBe(false);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("passes output through untouched without secrets, and ignores values too short to mask", () => {
    const data = Buffer.from([0x61, 0xff, 0xfe]);
    expect(new SecretMasker([]).push(data)).toBe(data);
    expect(new SecretMasker(["eu", ""]).maskText("eu-west eu")).toBe("eu-west eu");
  });
});
