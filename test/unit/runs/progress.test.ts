import { describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import { formatDuration, lastErrorLine, parseProgress } from "../../../src/runs/nixops4-process.js";

const HEADER = "The following resources (and nested composites, if any) will be applied:";

const sample = [
  "evaluating deployment...",
  HEADER,
  "  net.dns",
  "[provider] warning: something noisy",
  "  web.mastodon",
  "  web.peertube",
  "[provider] evaluating net.dns",
  "creating resource net.dns",
  "  an indented provider line with spaces",
  "Skipping update for resource web.mastodon: inputs unchanged",
  "creating resource web.mastodon.db",
  "nixops4 error: Failed to create stateless resource web.peertube: exit status 1: no space left on device",
  "",
].join("\n");

describe("parseProgress", () => {
  it("finds planned, created, skipped and failed resources among other lines", () => {
    expect(parseProgress(sample)).toEqual({
      planned: ["net.dns", "web.mastodon", "web.peertube"],
      created: ["net.dns", "web.mastodon.db"],
      skipped: ["web.mastodon"],
      failed: [{ resource: "web.peertube", reason: "exit status 1: no space left on device" }],
    });
  });

  it("returns empty lists for output without progress lines", () => {
    expect(parseProgress("")).toEqual({ planned: [], created: [], skipped: [], failed: [] });
    // Indented words before the header are not a plan.
    expect(parseProgress("  web.mastodon\nsome log\n").planned).toEqual([]);
  });

  it("ignores an unterminated last line, which may still grow", () => {
    const partial = `${HEADER}\n  web.mastodon\ncreating resource web.mast`;
    expect(parseProgress(partial).created).toEqual([]);
    expect(parseProgress(partial + "odon\n").created).toEqual(["web.mastodon"]);
  });

  it("copes with CRLF, colours and terminal redraws", () => {
    const text = [
      `${HEADER}\r`,
      "  a\r",
      "\x1b[1mcreating resource\x1b[0m a\r",
      "progress 10%\rprogress 100%\rSkipping update for resource b: inputs unchanged",
      "\x1b[31mnixops4 error:\x1b[0m Failed to create stateless resource c: boom\r",
      "",
    ].join("\n");
    expect(parseProgress(text)).toEqual({
      planned: ["a"],
      created: ["a"],
      skipped: ["b"],
      failed: [{ resource: "c", reason: "boom" }],
    });
  });

  it("lists a resource once even if its line repeats", () => {
    const text = `${HEADER}\n  a\n  a\ncreating resource a\ncreating resource a\n`;
    expect(parseProgress(text)).toMatchObject({ planned: ["a"], created: ["a"] });
  });

  it("takes time in proportion to the output, also with many resources (quadratic before: seconds)", () => {
    const lines = Array.from({ length: 100_000 }, (_, i) => `  r${i}\ncreating resource r${i}\n`).join("");
    const started = performance.now();
    const progress = parseProgress(`${HEADER}\n${lines}`);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(progress.created).toHaveLength(100_000);
    expect(progress.planned).toEqual(["r0"]);
  });

  it("never reports more for a prefix of the output than for the whole", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: sample.length }), (cut) => {
        const whole = parseProgress(sample);
        const part = parseProgress(sample.slice(0, cut));
        expect(whole.planned.slice(0, part.planned.length)).toEqual(part.planned);
        expect(whole.created.slice(0, part.created.length)).toEqual(part.created);
        expect(whole.skipped.slice(0, part.skipped.length)).toEqual(part.skipped);
        expect(whole.failed.slice(0, part.failed.length)).toEqual(part.failed);
      }),
    );
  });
});

describe("lastErrorLine", () => {
  it("takes the message of the last nixops4 error line", () => {
    const text = "nixops4 error: first\nother\n\x1b[31mnixops4 error:\x1b[0m second one\nafterwards\n";
    expect(lastErrorLine(text)).toBe("second one");
    expect(lastErrorLine("no errors here\n")).toBeNull();
  });
});

describe("formatDuration", () => {
  it("uses the largest whole unit", () => {
    expect(formatDuration(2 * 3_600_000)).toBe("2h");
    expect(formatDuration(90 * 60_000)).toBe("90min");
    expect(formatDuration(30_000)).toBe("30s");
    expect(formatDuration(300)).toBe("300ms");
    expect(formatDuration(1500)).toBe("1500ms");
  });
});
