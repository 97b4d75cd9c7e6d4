// An export file read as blocks of whole lines, and those blocks parsed (and their events hashed) in
// worker threads, results in file order: hashing is most of an offline verification.

import { existsSync } from "node:fs";
import { open } from "node:fs/promises";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { Piscina } from "piscina";
import { type ParsedBlock, parseBlock } from "./export-line.js";

export type LineReadOptions = {
  /** Worker threads parsing blocks; 1 parses on this thread. Default: the cores available. */
  threads?: number;
  /** Bytes read at a time; a block holds the whole lines among them. */
  blockBytes?: number;
};

const WORKER = new URL("./export-line-worker.js", import.meta.url);

/** The lines of a JSON-lines file, parsed a block at a time, in file order (see blockLines). */
export async function* parsedBlocks(path: string, opts: LineReadOptions = {}): AsyncGenerator<ParsedBlock> {
  const blocks = lineBlocks(path, opts.blockBytes ?? 1 << 20);
  const threads = opts.threads ?? os.availableParallelism();
  // Run from TypeScript sources (the tests) there is no compiled worker: parse on this thread.
  if (threads <= 1 || !existsSync(fileURLToPath(WORKER))) {
    for await (const block of blocks) yield parseBlock(block);
    return;
  }
  const pool = new Piscina<Uint8Array, ParsedBlock>({
    filename: WORKER.href,
    minThreads: threads,
    maxThreads: threads,
  });
  try {
    // A few blocks ahead per thread keeps every thread busy while memory stays at a few blocks.
    const ahead: Promise<ParsedBlock>[] = [];
    for await (const block of blocks) {
      ahead.push(pool.run(Piscina.move(block) as Uint8Array));
      if (ahead.length >= threads * 2) yield await ahead.shift()!;
    }
    while (ahead.length > 0) yield await ahead.shift()!;
  } finally {
    await pool.destroy();
  }
}

/**
 * The file in blocks that end at a line's end (but the last), each read into a buffer of its own that
 * can be moved to a worker without a copy; only a line cut at a block's end is copied, to the next.
 */
async function* lineBlocks(path: string, size: number): AsyncGenerator<Uint8Array> {
  const file = await open(path);
  try {
    let carry = new Uint8Array(0);
    for (;;) {
      const block = new Uint8Array(carry.length + size);
      block.set(carry);
      const { bytesRead } = await file.read(block, carry.length, size);
      const filled = carry.length + bytesRead;
      if (bytesRead === 0) {
        if (filled > 0) yield block.subarray(0, filled);
        return;
      }
      const end = block.lastIndexOf(10, filled - 1);
      carry = block.slice(end + 1, filled);
      if (end >= 0) yield block.subarray(0, end + 1);
    }
  } finally {
    await file.close();
  }
}
