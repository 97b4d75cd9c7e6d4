// The Ed25519 keys that sign checkpoints. The private key lives in the database sealed (AES-256-GCM,
// src/common/secret-box.ts) under ACCOUNTING_SIGNING_KEY_SECRET and bound to its key id, so every replica
// can sign and a database dump alone cannot; public keys are published as a JWKS.

import {
  type KeyObject,
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
} from "node:crypto";
import type { DataSource } from "typeorm";
import { type Db, dbOf } from "../db/db.js";
import { type Caller, systemCaller } from "../common/caller.js";
import { SecretBox } from "../common/secret-box.js";
import { recordEvent } from "./record-event.js";
import { sql } from "../db/named-sql.js";
import { inTransaction } from "../db/transaction.js";

export type Signer = { keyId: string; privateKey: KeyObject };

export type PublicKeyInfo = {
  keyId: string;
  /** The raw 32-byte key, base64url (the JWK "x"). */
  publicKey: string;
  active: boolean;
  createdAt: string;
  retiredAt: string | null;
};

export type Jwk = { kty: "OKP"; crv: "Ed25519"; x: string; kid: string; use: "sig"; alg: "EdDSA" };

export class SigningKeyError extends Error {}

export const keyIdOf = (rawPublicKey: Buffer) =>
  createHash("sha256").update(rawPublicKey).digest("hex").slice(0, 16);

export const publicKeyFromRaw = (raw: string): KeyObject =>
  createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: raw }, format: "jwk" });

export const toJwk = (k: Pick<PublicKeyInfo, "keyId" | "publicKey">): Jwk => ({
  kty: "OKP",
  crv: "Ed25519",
  x: k.publicKey,
  kid: k.keyId,
  use: "sig",
  alg: "EdDSA",
});

export const toPem = (k: Pick<PublicKeyInfo, "publicKey">): string =>
  publicKeyFromRaw(k.publicKey).export({ format: "pem", type: "spki" }).toString();

const LIST = sql(
  "accounting.signingKey.list",
  `SELECT key_id AS "keyId", public_key AS "publicKey", encrypted_private_key AS sealed, active,
            to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "createdAt",
            to_char(retired_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "retiredAt"
       FROM accounting_signing_key ORDER BY active DESC, created_at DESC`,
);

/**
 * The keys, active first, then newest first. With the secret, only keys this service really holds: their
 * private half decrypts under it and matches the public half. A key row added behind the service's back
 * (by whoever can write the database but lacks the secret) is then neither published nor trusted.
 */
export async function listPublicKeys(db: Db, secret: Buffer | null): Promise<PublicKeyInfo[]> {
  const rows = await db.query<PublicKeyInfo & { sealed: string }>(LIST);
  return rows.filter((r) => secret === null || holds(secret, r)).map(({ sealed: _, ...k }) => k);
}

function holds(secret: Buffer, k: { keyId: string; publicKey: string; sealed: string }): boolean {
  try {
    const own = createPublicKey(open(secret, k.keyId, k.sealed)).export({ format: "jwk" }).x;
    return own === k.publicKey && keyIdOf(Buffer.from(own, "base64url")) === k.keyId;
  } catch {
    return false;
  }
}

export async function publicKeyMap(db: Db, secret: Buffer | null): Promise<Map<string, KeyObject>> {
  const keys = await listPublicKeys(db, secret);
  return new Map(keys.map((k) => [k.keyId, publicKeyFromRaw(k.publicKey)]));
}

const ACTIVE = sql(
  "accounting.signingKey.active",
  `SELECT key_id AS "keyId", encrypted_private_key AS sealed FROM accounting_signing_key WHERE active`,
);

/** The active key, decrypted; the first call on a fresh database creates it. */
export async function activeSigner(ds: DataSource, secret: Buffer): Promise<Signer> {
  const [row] = await dbOf(ds).query<{ keyId: string; sealed: string }>(ACTIVE);
  if (row) return { keyId: row.keyId, privateKey: open(secret, row.keyId, row.sealed) };
  return rotateSigningKey(ds, secret, systemCaller(), false);
}

const LOCK = sql(
  "accounting.signingKey.lock",
  `SELECT pg_advisory_xact_lock(hashtext('fedicentral_accounting_signing_key'))`,
);
const ACTIVE_FOR_ROTATION = sql(
  "accounting.signingKey.activeForRotation",
  `SELECT key_id AS "keyId", encrypted_private_key AS sealed FROM accounting_signing_key WHERE active`,
);
const RETIRE = sql(
  "accounting.signingKey.retire",
  `UPDATE accounting_signing_key SET active = false, retired_at = now() WHERE active RETURNING key_id AS "keyId"`,
);
const SIGNING_KEY_INSERT = sql(
  "accounting.signingKey.insert",
  `INSERT INTO accounting_signing_key (key_id, public_key, encrypted_private_key, active)
       VALUES ($1, $2, $3, true)`,
);

/**
 * Makes a new active key and retires the old one (kept, so its checkpoints still verify). With
 * retireActive false, keeps an existing active key: two replicas starting at once create only one.
 */
export async function rotateSigningKey(
  ds: DataSource,
  secret: Buffer,
  caller: Caller,
  retireActive = true,
): Promise<Signer> {
  return inTransaction(ds, async (tx) => {
    const db = dbOf(tx);
    await db.query(LOCK);
    if (!retireActive) {
      const [row] = await db.query<{ keyId: string; sealed: string }>(ACTIVE_FOR_ROTATION);
      if (row) return { keyId: row.keyId, privateKey: open(secret, row.keyId, row.sealed) };
    }
    const { publicKey, privateKey } = generateKeyPairSync("ed25519");
    const raw = publicKey.export({ format: "jwk" }).x!;
    const keyId = keyIdOf(Buffer.from(raw, "base64url"));
    const der = privateKey.export({ format: "der", type: "pkcs8" });
    const retired = await db.query<{ keyId: string }>(RETIRE);
    await db.query(SIGNING_KEY_INSERT, [keyId, raw, seal(secret, keyId, der)]);
    await recordEvent(tx, caller, {
      action: retired.length ? "rotate" : "create",
      eventType: "control",
      targetKind: "accounting_signing_key",
      targetId: keyId,
      operatorId: null,
      changes: { activeKey: { before: retired[0]?.keyId ?? null, after: keyId } },
    });
    return { keyId, privateKey };
  });
}

// Each private key is sealed under ACCOUNTING_SIGNING_KEY_SECRET, bound to its key id.
const boxOf = (secret: Buffer) => new SecretBox({ key: secret, setting: "ACCOUNTING_SIGNING_KEY_SECRET" });

const seal = (secret: Buffer, keyId: string, plain: Buffer): string => boxOf(secret).seal(plain, keyId);

function open(secret: Buffer, keyId: string, sealed: string): KeyObject {
  try {
    const der = boxOf(secret).open(sealed, keyId);
    return createPrivateKey({ key: der, format: "der", type: "pkcs8" });
  } catch {
    throw new SigningKeyError(
      `cannot decrypt accounting signing key ${keyId}: ACCOUNTING_SIGNING_KEY_SECRET is not the one it was ` +
        `stored with (rotate the key with: fedicentral accounting rotate-key)`,
    );
  }
}

/**
 * Public keys given to the offline verifier: PEM (SPKI), a JWK, a JWKS, or the raw key in base64(url);
 * each either inline or as a file's content.
 */
export function parsePublicKeys(texts: string[]): Map<string, KeyObject> {
  const out = new Map<string, KeyObject>();
  const addRaw = (x: string) => out.set(keyIdOf(Buffer.from(x, "base64url")), publicKeyFromRaw(x));
  for (const raw of texts) {
    const text = raw.trim();
    if (text.startsWith("-----BEGIN")) {
      const jwk = createPublicKey(text).export({ format: "jwk" });
      if (jwk.crv !== "Ed25519" || !jwk.x)
        throw new SigningKeyError("the PEM key is not an Ed25519 public key");
      addRaw(jwk.x);
    } else if (text.startsWith("{")) {
      const parsed = JSON.parse(text) as { keys?: { x?: string; crv?: string }[]; x?: string; crv?: string };
      for (const k of parsed.keys ?? [parsed]) {
        if (k.crv !== "Ed25519" || !k.x) throw new SigningKeyError("a JWK is not an Ed25519 public key");
        addRaw(k.x);
      }
    } else {
      const bytes = Buffer.from(text.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, ""), "base64url");
      if (bytes.length !== 32) throw new SigningKeyError(`not an Ed25519 public key: ${text.slice(0, 20)}…`);
      addRaw(bytes.toString("base64url"));
    }
  }
  return out;
}
