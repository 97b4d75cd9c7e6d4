import type { Readable } from "node:stream";
import type { PoolClient } from "pg";
import { to as copyTo } from "pg-copy-streams";
import QueryStream from "pg-query-stream";
import type { DataSource } from "typeorm";
import type { Db } from "../db/db.js";
import { sql } from "../db/named-sql.js";

/** Reads on one connection in one read-only REPEATABLE READ snapshot, with rows streamed from a cursor. */
export type SnapshotReader = Db & {
  stream<T = Record<string, unknown>>(sql: string, params?: unknown[]): AsyncIterable<T>;
  /** The bytes of a COPY ... TO STDOUT, as PostgreSQL sends them. */
  copyOut(sql: string): Readable;
};

const SNAPSHOT_BEGIN = sql("accounting.snapshot.begin", "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
const SNAPSHOT_END = sql("accounting.snapshot.end", "ROLLBACK");

/**
 * Runs work over a consistent snapshot: an export's events, checkpoints and chain heads all agree, and
 * rows arrive in batches (memory stays flat however long the chain is).
 */
export async function withSnapshot<T>(ds: DataSource, work: (r: SnapshotReader) => Promise<T>): Promise<T> {
  const runner = ds.createQueryRunner("slave");
  const client = (await runner.connect()) as PoolClient;
  try {
    await client.query(SNAPSHOT_BEGIN);
    const reader: SnapshotReader = {
      query: async <R>(sql: string, params: unknown[] = []) => (await client.query(sql, params)).rows as R[],
      stream: <R>(sql: string, params: unknown[] = []) =>
        client.query(new QueryStream(sql, params, { batchSize: 1000 })) as AsyncIterable<R>,
      copyOut: (sql: string) => client.query(copyTo(sql)),
    };
    return await work(reader);
  } finally {
    await client.query(SNAPSHOT_END).catch(() => undefined);
    await runner.release();
  }
}
