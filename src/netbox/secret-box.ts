// Secrets at rest (NetBox API tokens, webhook secrets): AES-256-GCM with a key from the environment.
// The associated data binds each ciphertext to its row and column, so a value copied elsewhere will not open.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

const VERSION = "v1";
const IV_BYTES = 12;

export class SecretBoxError extends Error {}

export class SecretBox {
  /** Names the key in every ciphertext, so a wrong key gives a clear error rather than a failed tag. */
  readonly keyId: string;

  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new SecretBoxError("the key must be 32 bytes (AES-256)");
    this.keyId = createHash("sha256").update(key).digest("hex").slice(0, 8);
  }

  seal(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    cipher.setAAD(Buffer.from(context));
    const ct = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    const parts = [iv, cipher.getAuthTag(), ct].map((b) => b.toString("base64url"));
    return [VERSION, this.keyId, ...parts].join(".");
  }

  open(sealed: string, context: string): string {
    const [version, keyId, iv, tag, ct] = sealed.split(".");
    if (version !== VERSION || !keyId || iv === undefined || tag === undefined || ct === undefined) {
      throw new SecretBoxError("not a sealed secret");
    }
    if (keyId !== this.keyId) {
      throw new SecretBoxError(`sealed with another key (${keyId}); this server has key ${this.keyId}`);
    }
    try {
      const decipher = createDecipheriv("aes-256-gcm", this.key, Buffer.from(iv, "base64url"));
      decipher.setAAD(Buffer.from(context));
      decipher.setAuthTag(Buffer.from(tag, "base64url"));
      return Buffer.concat([decipher.update(Buffer.from(ct, "base64url")), decipher.final()]).toString(
        "utf8",
      );
    } catch {
      throw new SecretBoxError("the sealed secret is corrupt or belongs to another record");
    }
  }
}

/** A key as 64 hex digits or as base64 of 32 bytes. */
export function parseSecretKey(text: string): Buffer {
  const s = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(s)) return Buffer.from(s, "hex");
  const b = Buffer.from(s, "base64");
  if (b.length === 32 && /^[A-Za-z0-9+/_-]+={0,2}$/.test(s)) return b;
  throw new SecretBoxError("must be 32 bytes: 64 hex digits or base64 (e.g. `openssl rand -hex 32`)");
}
