import { describe, expect, it } from "@jest/globals";
import {
  PASSWORD_HASHES_AT_ONCE,
  hashPassword,
  passwordHashesRunning,
  passwordProblem,
  verifyPassword,
} from "../../src/authn/accounts/passwords.js";
import {
  looksLikeRecoveryCode,
  newRecoveryCodes,
  recoveryCodeDigest,
} from "../../src/authn/accounts/totp.js";
import { AuthFailure } from "../../src/authn/bearer.js";
import { newClientSecret, secretDigest, secretMatches } from "../../src/authn/clients/client-secrets.js";
import { SecretBoxError } from "../../src/common/secret-box.js";
import { html, esc } from "../../src/authn/pages/html.js";
import { loadConfig } from "../../src/config.js";
import { authnSecretBox } from "../../src/authn/keys/secret-box.js";

describe("authentication building blocks", () => {
  it("runs at most a fixed number of password hashes at once, however many sign-ins arrive", async () => {
    let most = 0;
    const watch = setInterval(() => (most = Math.max(most, passwordHashesRunning())), 1);
    try {
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => verifyPassword(`wrong password ${i}`, null)),
      );
      expect(results.every((ok) => ok === false)).toBe(true);
    } finally {
      clearInterval(watch);
    }
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(PASSWORD_HASHES_AT_ONCE);
  });

  it("seals secrets so that only the same key and the same label open them", () => {
    const box = authnSecretBox("k".repeat(32));
    const sealed = box.seal("private key", "signing_key:a");
    expect(sealed).not.toContain("private");
    expect(box.open(sealed, "signing_key:a").toString()).toBe("private key");
    expect(() => box.open(sealed, "signing_key:b")).toThrow(SecretBoxError);
    expect(() => authnSecretBox("x".repeat(32)).open(sealed, "signing_key:a")).toThrow(/AUTH_ENCRYPTION_KEY/);
    expect(box.seal("same", "l")).not.toBe(box.seal("same", "l"));
    expect(() => authnSecretBox("short")).toThrow();
  });

  it("accepts a client secret by its digest, the previous one only until its overlap ends", () => {
    const current = newClientSecret();
    const previous = newClientSecret();
    const accepted = [
      { digest: secretDigest(current), until: null },
      { digest: secretDigest(previous), until: 1000 },
    ];
    expect(secretDigest(current)).toMatch(/^[0-9a-f]{64}$/);
    expect(secretMatches(current, accepted, 5000)).toBe(true);
    expect(secretMatches(previous, accepted, 999)).toBe(true);
    expect(secretMatches(previous, accepted, 1000)).toBe(false);
    expect(secretMatches(`${current}x`, accepted, 0)).toBe(false);
    expect(secretMatches(current, [], 0)).toBe(false);
  });

  it("hashes passwords with scrypt and a per-password salt", async () => {
    const a = await hashPassword("correct horse battery");
    const b = await hashPassword("correct horse battery");
    expect(a).toMatch(/^scrypt\$32768\$8\$3\$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword("correct horse battery", a)).toBe(true);
    expect(await verifyPassword("correct horse batterY", a)).toBe(false);
    expect(await verifyPassword("anything", null)).toBe(false);
    expect(passwordProblem("short")).toMatch(/at least 10/);
    expect(passwordProblem("long enough now")).toBeNull();
  });

  it("makes single-use recovery codes whose digests ignore case and dashes", () => {
    const { codes, digests } = newRecoveryCodes();
    expect(new Set(codes).size).toBe(10);
    expect(codes.every(looksLikeRecoveryCode)).toBe(true);
    expect(recoveryCodeDigest(codes[0]!.toUpperCase().replace(/-/g, ""))).toBe(digests[0]);
    expect(looksLikeRecoveryCode("123456")).toBe(false);
  });

  it("escapes everything interpolated into pages", () => {
    const name = `<script>alert("x")</script>`;
    expect(html`<p>${name}</p>`.value).toBe("<p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</p>");
    const list = html`<ul>
      ${["<a>", html`<b>ok</b>`]}
    </ul>`;
    expect(list.value.replace(/\s+/g, "")).toBe("<ul>&lt;a&gt;<b>ok</b></ul>");
    expect(esc(`'&`)).toBe("&#39;&amp;");
  });

  it("words WWW-Authenticate challenges per RFC 6750 and RFC 9449", () => {
    expect(new AuthFailure(401, null, "none").challenges()).toEqual([
      'Bearer realm="fedicentral"',
      'DPoP realm="fedicentral", algs="ES256 ES384 PS256 RS256 EdDSA"',
    ]);
    expect(new AuthFailure(401, "invalid_token", 'the "token" expired').challenges()).toEqual([
      `Bearer realm="fedicentral", error="invalid_token", error_description="the 'token' expired"`,
    ]);
    expect(new AuthFailure(401, "invalid_dpop_proof", "replay", "DPoP").challenges()[0]).toMatch(
      /^DPoP realm="fedicentral", algs="[^"]+", error="invalid_dpop_proof"/,
    );
  });

  it("reads its settings from the environment, naming a bad variable", () => {
    expect(loadConfig({}).authn).toMatchObject({
      accessTokenTtl: 300,
      loginBackoffAfter: 3,
      loginLockAfter: 10,
    });
    expect(() => loadConfig({ AUTH_ACCESS_TOKEN_TTL: "86400" })).toThrow(/AUTH_ACCESS_TOKEN_TTL/);
    expect(() => loadConfig({ AUTH_ENCRYPTION_KEY: "too short" })).toThrow(/AUTH_ENCRYPTION_KEY/);
  });
});
