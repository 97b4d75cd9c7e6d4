import { createHash, randomBytes } from "node:crypto";
import { generate, generateSecret, generateURI, verify } from "otplib";

// TOTP as authenticator apps expect it (RFC 6238: SHA-1, 6 digits, 30 s); one step of clock drift
// either way is accepted, and a step once used is refused afterwards (see UserService.useTotpStep).

export const TOTP_ISSUER = "fedicentral";
const RECOVERY_CODES = 10;

export function newTotpSecret(): string {
  return generateSecret();
}

export function totpUri(secret: string, label: string): string {
  return generateURI({ issuer: TOTP_ISSUER, label, secret });
}

/** The time step the code belongs to, or null when it is not valid now (or not after afterStep). */
export async function totpStep(
  secret: string,
  code: string,
  afterStep: number | null,
): Promise<number | null> {
  const token = code.replace(/\s+/g, "");
  if (!/^\d{6}$/.test(token)) return null;
  const result = await verify({
    secret,
    token,
    epochTolerance: 30,
    ...(afterStep !== null ? { afterTimeStep: afterStep } : {}),
  });
  return result.valid && "timeStep" in result ? result.timeStep : null;
}

/** For tests and tools: the code an authenticator app shows now. */
export function currentTotp(secret: string): Promise<string> {
  return generate({ secret });
}

/** Single-use recovery codes, shown once; only their digests are kept. */
export function newRecoveryCodes(): { codes: string[]; digests: string[] } {
  const codes = Array.from({ length: RECOVERY_CODES }, () => {
    const raw = randomBytes(8).toString("hex");
    return `${raw.slice(0, 4)}-${raw.slice(4, 8)}-${raw.slice(8, 12)}-${raw.slice(12)}`;
  });
  return { codes, digests: codes.map(recoveryCodeDigest) };
}

export function recoveryCodeDigest(code: string): string {
  return createHash("sha256")
    .update(
      code
        .trim()
        .toLowerCase()
        .replace(/[^0-9a-f]/g, ""),
    )
    .digest("hex");
}

export function looksLikeRecoveryCode(code: string): boolean {
  return /^[0-9a-f]{4}(-?[0-9a-f]{4}){3}$/i.test(code.trim());
}
