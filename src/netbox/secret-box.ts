import { SecretBox, SecretBoxError } from "../common/secret-box.js";

/**
 * The box of NetBox's sealed secrets (API tokens, webhook secrets) under NETBOX_SECRET_KEY; their
 * ciphertexts name the key, so one sealed under another key says so.
 */
export const netboxSecretBox = (key: Buffer) =>
  new SecretBox({ key, setting: "NETBOX_SECRET_KEY", namesKey: true });

/** A key as 64 hex digits or as base64 of 32 bytes. */
export function parseSecretKey(text: string): Buffer {
  const s = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(s)) return Buffer.from(s, "hex");
  const b = Buffer.from(s, "base64");
  if (b.length === 32 && /^[A-Za-z0-9+/_-]+={0,2}$/.test(s)) return b;
  throw new SecretBoxError("must be 32 bytes: 64 hex digits or base64 (e.g. `openssl rand -hex 32`)");
}
