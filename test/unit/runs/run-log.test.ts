import { describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import { RunLogWriter } from "../../../src/runs/run-log.js";

type Insert = { seq: number; offset: number; stream: string; data: Buffer };

function fakeDb(opts: { failAt?: number } = {}) {
  const inserts: Insert[] = [];
  const updates: unknown[][] = [];
  let calls = 0;
  let statements = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  return {
    inserts,
    updates,
    maxInFlight: () => maxInFlight,
    statements: () => statements,
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
        statements++;
        // INSERT ... VALUES ($1, seq, offset, stream, data), ...: the run id, then four per row.
        for (let i = 1; i < params.length; i += 4) {
          const [seq, offset, stream, data] = params.slice(i, i + 4) as [number, number, string, Buffer];
          inserts.push({ seq, offset, stream, data });
        }
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

  it("queues output while a statement runs and writes what queued up in the next one", async () => {
    const f = fakeDb();
    const w = new RunLogWriter(f.db, "r", { capBytes: 1 << 20, tailBytes: 0, batchBytes: 100 });
    const all: Buffer[] = [];
    for (let i = 0; i < 50; i++) {
      const data = Buffer.alloc(100, i);
      all.push(data);
      // Nothing waits: far below maxBufferedBytes.
      expect(w.write(i % 3 ? "stdout" : "stderr", data)).toBeUndefined();
    }
    await w.close();
    expect(stored(f.inserts).equals(Buffer.concat(all))).toBe(true);
    expect(f.inserts).toHaveLength(50);
    // The first chunk went alone; the other 49 queued behind it and went together.
    expect(f.statements()).toBe(2);
  });

  it("makes the producer wait past maxBufferedBytes, until the backlog is half written", async () => {
    const f = fakeDb();
    const w = new RunLogWriter(f.db, "r", {
      capBytes: 1 << 20,
      tailBytes: 0,
      batchBytes: 10,
      maxBufferedBytes: 40,
      statementBytes: 10,
    });
    const results = [0, 1, 2, 3, 4].map((i) => w.write("stdout", Buffer.alloc(10, i)));
    expect(results.slice(0, 3)).toEqual([undefined, undefined, undefined]);
    expect(results[3]).toBeInstanceOf(Promise);
    await results[3];
    expect(f.inserts.length).toBeGreaterThanOrEqual(2);
    await w.close();
    expect(f.inserts).toHaveLength(5);
    expect(f.maxInFlight()).toBe(1);
  });

  it("batches small chunks of one stream into one statement", async () => {
    const f = fakeDb();
    const w = new RunLogWriter(f.db, "r", { capBytes: 1 << 20, tailBytes: 0, batchBytes: 1000 });
    // Not awaited one by one: the writer is to batch what arrives while a statement is in flight.
    for (let i = 0; i < 100; i++) void w.write("stderr", Buffer.from(`line ${i}\n`));
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

  it("a failed insert fails the writer: a waiting producer is told, later writes throw, close rejects", async () => {
    const f = fakeDb({ failAt: 0 });
    const w = new RunLogWriter(f.db, "r", {
      capBytes: 1 << 20,
      tailBytes: 0,
      batchBytes: 4,
      maxBufferedBytes: 4,
    });
    await expect(w.write("stdout", Buffer.from("hello"))).rejects.toThrow("disk full");
    expect(() => w.write("stdout", Buffer.from("more"))).toThrow("disk full");
    await expect(w.close()).rejects.toThrow("disk full");
    expect(f.inserts).toHaveLength(0);
  });
});
