import { describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import { RunLogWriter } from "../../../src/runs/run-log.js";

type Insert = { seq: number; offset: number; stream: string; data: Buffer };

function fakeDb(opts: { failAt?: number } = {}) {
  const inserts: Insert[] = [];
  const updates: unknown[][] = [];
  let calls = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  return {
    inserts,
    updates,
    maxInFlight: () => maxInFlight,
    db: {
      query: async <T>(sql: string, params: unknown[] = []): Promise<T[]> => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 1));
        inFlight--;
        if (sql.startsWith("UPDATE")) {
          updates.push(params);
          return [];
        }
        if (opts.failAt !== undefined && calls++ === opts.failAt) throw new Error("disk full");
        const [, seq, offset, stream, data] = params as [string, number, number, string, Buffer];
        inserts.push({ seq, offset, stream, data });
        return [];
      },
    },
  };
}

const stored = (inserts: Insert[]) => Buffer.concat(inserts.map((i) => i.data));

describe("RunLogWriter", () => {
  it("stores every byte in order with contiguous offsets, one statement at a time", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({ stream: fc.constantFrom("stdout", "stderr"), data: fc.uint8Array({ maxLength: 300 }) }),
          {
            maxLength: 40,
          },
        ),
        async (chunks) => {
          const f = fakeDb();
          const w = new RunLogWriter(f.db, "r", { capBytes: 1 << 20, tailBytes: 64, batchBytes: 500 });
          for (const c of chunks) await w.write(c.stream as "stdout" | "stderr", Buffer.from(c.data));
          const result = await w.close();
          const all = Buffer.concat(chunks.map((c) => Buffer.from(c.data)));
          expect(stored(f.inserts).equals(all)).toBe(true);
          expect(result).toEqual({ storedBytes: all.length, omittedBytes: 0 });
          let offset = 0;
          f.inserts.forEach((ins, i) => {
            expect(ins.seq).toBe(i);
            expect(ins.offset).toBe(offset);
            offset += ins.data.length;
          });
          // Per stream, the bytes are those of that stream.
          for (const s of ["stdout", "stderr"]) {
            const mine = Buffer.concat(chunks.filter((c) => c.stream === s).map((c) => Buffer.from(c.data)));
            expect(stored(f.inserts.filter((i) => i.stream === s)).equals(mine)).toBe(true);
          }
          expect(f.maxInFlight()).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: 50 },
    );
  });

  it("batches small chunks of one stream into one statement", async () => {
    const f = fakeDb();
    const w = new RunLogWriter(f.db, "r", { capBytes: 1 << 20, tailBytes: 0, batchBytes: 1000 });
    for (let i = 0; i < 100; i++) w.write("stderr", Buffer.from(`line ${i}\n`));
    await w.close();
    expect(f.inserts).toHaveLength(1);
  });

  it("past the cap keeps the start, then a marker and the last tailBytes", async () => {
    const f = fakeDb();
    const w = new RunLogWriter(f.db, "r", { capBytes: 1000, tailBytes: 100, batchBytes: 256 });
    const all = Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 251));
    for (let i = 0; i < all.length; i += 137) await w.write("stderr", all.subarray(i, i + 137));
    const result = await w.close();
    expect(result.omittedBytes).toBe(5000 - 1000 - 100);
    const meta = f.inserts.filter((i) => i.stream === "meta");
    expect(meta).toHaveLength(1);
    const before = stored(f.inserts.slice(0, f.inserts.indexOf(meta[0]!)));
    const after = stored(f.inserts.slice(f.inserts.indexOf(meta[0]!) + 1));
    expect(before.equals(all.subarray(0, 1000))).toBe(true);
    expect(after.equals(all.subarray(-100))).toBe(true);
    expect(meta[0]!.data.toString()).toContain("3900 bytes were not stored");
    expect(f.updates).toEqual([["r", 3900]]);
  });

  it("a failed insert fails the writer: later writes throw and close rejects", async () => {
    const f = fakeDb({ failAt: 0 });
    const w = new RunLogWriter(f.db, "r", { capBytes: 1 << 20, tailBytes: 0, batchBytes: 4 });
    await expect(w.write("stdout", Buffer.from("hello"))).rejects.toThrow("disk full");
    expect(() => w.write("stdout", Buffer.from("more"))).toThrow("disk full");
    await expect(w.close()).rejects.toThrow("disk full");
    expect(f.inserts).toHaveLength(0);
  });
});
