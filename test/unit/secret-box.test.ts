import { describe, expect, it } from "@jest/globals";
import { authnSecretBox } from "../../src/authn/keys/secret-box.js";
import { SecretBox, SecretBoxError } from "../../src/common/secret-box.js";
import { netboxSecretBox } from "../../src/netbox/secret-box.js";

// Sealed by the three boxes that came before the one SecretBox (the same key bytes, labels and formats):
// values already stored must keep opening.
const KEY = Buffer.alloc(32, 7);
const STORED = {
  netbox: "v1.4bb06f8e.f20XrUtescu-FY8i.ieloBHjPOy-o27azHahpOQ.RH6XwSgGG1LG_DYsyPG5Ew",
  authn: "v1.xMh63SnQTwMC2GOY.-3KAlJqmIrR3wFfg9Box8Q.zqiVsMkiHgM8CIo",
  accounting: "v1._CuIPvV-kaqqBlaA.QixOLwD4TiQSZXRX_wZNIQ.xzgmuiEsgUra",
};

describe("one SecretBox for every sealed secret", () => {
  it("opens what each former box stored", () => {
    expect(netboxSecretBox(KEY).openText(STORED.netbox, "netbox_connection.token:p1")).toBe(
      "nbt_token.secret",
    );
    expect(authnSecretBox("k".repeat(32)).openText(STORED.authn, "totp:u1")).toBe("totp secret");
    const accounting = new SecretBox({ key: KEY, setting: "ACCOUNTING_SIGNING_KEY_SECRET" });
    expect(accounting.openText(STORED.accounting, "kid1")).toBe("der bytes");
  });

  it("seals in each one's format: NetBox's name their key", () => {
    expect(netboxSecretBox(KEY).seal("x", "l").split(".")).toHaveLength(5);
    expect(netboxSecretBox(KEY).seal("x", "l").split(".")[1]).toBe("4bb06f8e");
    expect(authnSecretBox("k".repeat(32)).seal("x", "l").split(".")).toHaveLength(4);
  });

  it("refuses another label or key, naming the setting the key comes from", () => {
    const box = new SecretBox({ key: KEY, setting: "SOME_KEY" });
    const sealed = box.seal("secret", "row:1");
    expect(() => box.open(sealed, "row:2")).toThrow(
      "cannot decrypt row:2: SOME_KEY is not the key it was stored with",
    );
    const other = new SecretBox({ key: Buffer.alloc(32, 8), setting: "SOME_KEY" });
    expect(() => other.open(sealed, "row:1")).toThrow(SecretBoxError);
    expect(() => box.open("v1.only", "row:1")).toThrow(SecretBoxError);
    expect(() => new SecretBox({ key: Buffer.alloc(16), setting: "SOME_KEY" })).toThrow(SecretBoxError);
  });
});
