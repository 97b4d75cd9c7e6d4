import { describe, expect, it } from "@jest/globals";
import { toGlobalId } from "../../../src/common/global-id.js";
import { computeDrift, deployedServicesOf } from "../../../src/resources/observed-resource.service.js";
import type { ObservedResource } from "../../../src/resources/observed-resource.types.js";
import { isSecretKey, redactSecrets } from "../../../src/resources/redact.js";

const A = "11111111-1111-4111-8111-111111111111";
const B = "22222222-2222-4222-8222-222222222222";

function resource(over: Partial<ObservedResource>): ObservedResource {
  return {
    uuid: "x",
    deploymentId: "d",
    serviceUuid: A,
    id: "r",
    kind: "vm",
    name: "a.vm",
    status: "healthy",
    outputs: {},
    generation: null,
    observedAt: new Date("2026-01-01T00:00:00Z"),
    reportedAt: new Date("2026-01-01T00:00:00Z"),
    serviceId: toGlobalId("Service", A),
    orphaned: false,
    ...over,
  };
}

describe("secret redaction", () => {
  it("names secrets by key in any spelling, and private keys by content", () => {
    for (const k of [
      "password",
      "adminPassword",
      "db_passwd",
      "client-secret",
      "API_KEY",
      "authToken",
      "privateKey",
    ])
      expect(isSecretKey(k)).toBe(true);
    for (const k of ["ip", "hostname", "keyId", "publicKey", "username"]) expect(isSecretKey(k)).toBe(false);
    const { value, redacted } = redactSecrets({
      a: { password: "p", empty: "", nothing: null, list: [{ token: 1 }] },
      pem: "-----BEGIN RSA PRIVATE KEY-----\nabc",
      publicKey: "ssh-ed25519 AAAA",
      password: "",
    });
    expect(value).toEqual({
      a: { password: "[redacted]", empty: "", nothing: null, list: [{ token: "[redacted]" }] },
      pem: "[redacted]",
      publicKey: "ssh-ed25519 AAAA",
      password: "",
    });
    expect(redacted).toEqual(["$.a.password", "$.a.list[0].token", "$.pem"]);
  });
});

describe("drift", () => {
  const desired = {
    stagedGeneration: 3,
    deployedGeneration: 2,
    deployedServices: [
      { id: A, enabled: true, domain: "a.example" },
      { id: B, enabled: false, domain: "b.example" },
    ],
  };

  it("is UNKNOWN before any report and IN_SYNC when everything matches", () => {
    expect(computeDrift(desired, []).status).toBe("UNKNOWN");
    const ok = computeDrift(desired, [resource({ generation: 2 })]);
    expect(ok).toMatchObject({ status: "IN_SYNC", items: [], pendingChanges: true, deployedGeneration: 2 });
    expect(ok.lastObservedAt).toEqual(new Date("2026-01-01T00:00:00Z"));
  });

  it("lists every difference, and a disabled service needs no resource", () => {
    const drift = computeDrift(desired, [
      resource({ name: "x", serviceUuid: null, serviceId: null, status: "failed", generation: 1 }),
      resource({ name: "y", serviceUuid: "gone", orphaned: true, status: "missing" }),
    ]);
    expect(drift.status).toBe("DRIFTED");
    expect(drift.items.map((i) => `${i.kind}:${i.resource?.name ?? i.serviceId}`)).toEqual([
      "UNHEALTHY:x",
      "OUTDATED:x",
      "ORPHANED:y",
      "MISSING:y",
      `NOT_OBSERVED:${toGlobalId("Service", A)}`,
    ]);
  });

  it("reads the services of a deployed deployment.json", () => {
    expect(
      deployedServicesOf([
        { id: toGlobalId("Service", A), enabled: true, domain: "a" },
        { id: toGlobalId("Deployment", B), enabled: true },
        { id: "garbage" },
        null,
      ]),
    ).toEqual([{ id: A, enabled: true, domain: "a" }]);
    expect(deployedServicesOf(null)).toEqual([]);
  });
});
