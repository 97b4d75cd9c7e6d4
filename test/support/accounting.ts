import { randomBytes } from "node:crypto";
import { createWriteStream, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream } from "node:stream/web";
import type { DataSource } from "typeorm";

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
