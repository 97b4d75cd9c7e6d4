import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from "node:crypto";

// Secrets at rest (NetBox tokens and webhook secrets; signing keys, cookie keys and TOTP secrets; the
// accounting signing key): AES-256-GCM under a key from the environment. The label, as associated data,
// binds each ciphertext to what it is (its row and column), so a value copied elsewhere does not open.

const VERSION = "v1";
const IV_BYTES = 12;

export class SecretBoxError extends Error {}

export type SecretBoxKey = {
  /** 32 bytes. */
  key: Buffer;
  /** The setting the key comes from, named when a value does not open. */
  setting: string;
  /**
   * Ciphertexts name the key (`v1.<key id>.…`), so a value sealed under another key says so. NetBox's
   * secrets are stored so; the others are `v1.<iv>.<tag>.<ciphertext>`: both stay readable.
   */
  namesKey?: boolean;
};

/** Seals and opens secrets under one key; every call site names its key and each value's label. */
export class SecretBox {
  /** Names the key (NetBox's ciphertexts carry it). */
  readonly keyId: string;
  private readonly key: Buffer;

  constructor(private readonly spec: SecretBoxKey) {
    if (spec.key.length !== 32) throw new SecretBoxError("the key must be 32 bytes (AES-256)");
    this.key = spec.key;
    this.keyId = createHash("sha256").update(spec.key).digest("hex").slice(0, 8);
  }

  /** A box whose key is derived (HKDF-SHA256) from a secret text of at least 32 characters. */
  static derived(secret: string, setting: string): SecretBox {
    if (secret.length < 32) throw new SecretBoxError("the encryption secret must be at least 32 characters");
    const key = Buffer.from(hkdfSync("sha256", secret, "fedicentral", "secret-box v1", 32));
    return new SecretBox({ key, setting });
  }

  seal(plain: string | Buffer, label: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    cipher.setAAD(Buffer.from(label));
    const ct = Buffer.concat([cipher.update(plain), cipher.final()]);
    const parts = [iv, cipher.getAuthTag(), ct].map((b) => b.toString("base64url"));
    return [VERSION, ...(this.spec.namesKey ? [this.keyId] : []), ...parts].join(".");
  }

  open(sealed: string, label: string): Buffer {
    const parts = sealed.split(".");
    const keyId = this.spec.namesKey ? parts.splice(1, 1)[0] : this.keyId;
    const [version, iv, tag, ct] = parts;
    if (version !== VERSION || !keyId || !iv || !tag || ct === undefined || parts.length !== 4) {
      throw this.failure(label, "not a sealed secret");
    }
    if (keyId !== this.keyId) {
      throw new SecretBoxError(`sealed with another key (${keyId}); this server has key ${this.keyId}`);
    }
    try {
      const decipher = createDecipheriv("aes-256-gcm", this.key, Buffer.from(iv, "base64url"));
      decipher.setAAD(Buffer.from(label));
      decipher.setAuthTag(Buffer.from(tag, "base64url"));
      return Buffer.concat([decipher.update(Buffer.from(ct, "base64url")), decipher.final()]);
    } catch {
      throw this.failure(label, "the sealed secret is corrupt or belongs to another record");
    }
  }

  openText(sealed: string, label: string): string {
    return this.open(sealed, label).toString("utf8");
  }

  private failure(label: string, namingKey: string): SecretBoxError {
    return new SecretBoxError(
      this.spec.namesKey
        ? namingKey
        : `cannot decrypt ${label}: ${this.spec.setting} is not the key it was stored with`,
    );
  }
}
