import { describe, expect, it } from "@jest/globals";
import { printableLog } from "../../../src/runs/printable-log.js";

describe("printableLog", () => {
  it("keeps tabs, newlines and text; ends lines at \\r\\n and lone \\r", () => {
    expect(printableLog(Buffer.from("a\tb\r\nc\rd\n\r\n"))).toBe("a\tb\nc\nd\n\n");
  });

  it("shows C0 controls, DEL and C1 controls as visible characters", () => {
    expect(printableLog(Buffer.from("\x00\x07\x1b[1m\x7f\u0085\u009b"))).toBe("␀␇␛[1m␡␛E␛[");
  });

  it("turns bytes that are not UTF-8 into U+FFFD", () => {
    expect(printableLog(Buffer.from([0x61, 0xff, 0x62]))).toBe("a\uFFFDb");
  });
});
