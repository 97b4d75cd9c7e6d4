import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

// Client secrets are 256 random bits: a SHA-256 digest is enough to store them (no dictionary to try),
// and costs microseconds where a password hash would cap the token endpoint.

export function newClientSecret(): string {
  return randomBytes(32).toString("base64url");
}

export function newClientId(kind: "service_account" | "public"): string {
  return `${kind === "public" ? "app" : "svc"}-${randomBytes(12).toString("base64url").replace(/[-_]/g, "x")}`;
}

export function secretDigest(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

/** A digest that accepts the secret, and until when (epoch seconds; null: no end). */
export type AcceptedDigest = { digest: string; until: number | null };

/** Constant-time: every accepted digest is compared, whatever matched first. */
export function secretMatches(secret: string, accepted: AcceptedDigest[], nowSeconds: number): boolean {
  const presented = Buffer.from(secretDigest(secret), "hex");
  let ok = false;
  for (const a of accepted) {
    const stored = Buffer.from(a.digest, "hex");
    const equal = stored.length === presented.length && timingSafeEqual(stored, presented);
    ok = (equal && (a.until === null || nowSeconds < a.until)) || ok;
  }
  return ok;
}
