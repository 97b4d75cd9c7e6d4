import { randomBytes } from "node:crypto";
import { createWriteStream, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream } from "node:stream/web";
import type { DataSource } from "typeorm";
import { GENESIS_HASH, eventHash } from "../../src/accounting/chain.js";
import { EVENT_DOC_COLUMNS, toSealedEvent } from "../../src/accounting/event-sql.js";

const APPEND_ONLY = ["accounting_event", "accounting_seal", "accounting_checkpoint"];

/** A signing key secret for tests, as ACCOUNTING_SIGNING_KEY_SECRET takes it. */
export const testSigningSecret = () => randomBytes(32).toString("base64");

/** Runs SQL as the database superuser with the append-only triggers and foreign keys off: a tamperer. */
export async function tamper(ds: DataSource, statements: [string, unknown[]?][]): Promise<void> {
  await ds.transaction(async (tx) => {
    // Replica mode also skips foreign key checks: an event can go while its seal stays.
    await tx.query(`SET LOCAL session_replication_role = replica`);
    for (const t of APPEND_ONLY) await tx.query(`ALTER TABLE ${t} DISABLE TRIGGER ${t}_append_only`);
    for (const [sql, params] of statements) await tx.query(sql, params ?? []);
    for (const t of APPEND_ONLY) await tx.query(`ALTER TABLE ${t} ENABLE ALWAYS TRIGGER ${t}_append_only`);
  });
}

/** GETs an export and saves it to a fresh file; returns the response and the file's path. */
export async function downloadExport(
  server: { url: string; token?: string },
  query: string,
  token = server.token,
): Promise<{ status: number; headers: Headers; file: string }> {
  // As the test server's platform-admin unless told otherwise: exports need accounting:read.
  const res = await fetch(`${server.url}/accounting/export?${query}`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  const file = path.join(mkdtempSync(path.join(tmpdir(), "fedi-export-")), "export");
  if (res.body) await pipeline(Readable.fromWeb(res.body as ReadableStream), createWriteStream(file));
  return { status: res.status, headers: res.headers, file };
}

/**
 * A superuser's rewrite: runs the statements (triggers off, as in tamper), then recomputes every hash of
 * the chain and its head, so that the chain is consistent in itself again.
 */
export async function rewriteChain(
  ds: DataSource,
  chain: string,
  statements: [string, unknown[]?][],
): Promise<void> {
  await ds.transaction(async (tx) => {
    await tx.query(`SET LOCAL session_replication_role = replica`);
    for (const t of APPEND_ONLY) await tx.query(`ALTER TABLE ${t} DISABLE TRIGGER ${t}_append_only`);
    for (const [sql, params] of statements) await tx.query(sql, params ?? []);
    const rows: Record<string, unknown>[] = await tx.query(
      `SELECT s.chain, s.seq::text AS seq, ${EVENT_DOC_COLUMNS}
         FROM accounting_seal s JOIN accounting_event e ON e.id = s.event_id WHERE s.chain = $1 ORDER BY s.seq`,
      [chain],
    );
    let prev = GENESIS_HASH;
    for (const row of rows) {
      const e = toSealedEvent({ ...row, prevHash: prev });
      const hash = eventHash(e);
      await tx.query(`UPDATE accounting_seal SET prev_hash = $3, hash = $4 WHERE chain = $1 AND seq = $2`, [
        chain,
        e.seq,
        prev,
        hash,
      ]);
      prev = hash;
    }
    await tx.query(`UPDATE accounting_chain SET head_hash = $2 WHERE chain = $1`, [chain, prev]);
    for (const t of APPEND_ONLY) await tx.query(`ALTER TABLE ${t} ENABLE ALWAYS TRIGGER ${t}_append_only`);
  });
}
