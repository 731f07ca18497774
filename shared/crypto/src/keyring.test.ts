import { randomBytes } from "node:crypto";
import { describe, expect, it, vi } from "vitest";
import { Keyring, loadKeyring } from "./keyring.js";

const key = () => randomBytes(32);

describe("Keyring", () => {
  it("seals with the first key and the ciphertext does not contain the plaintext", () => {
    const ring = new Keyring([
      { id: "k2", key: key() },
      { id: "k1", key: key() },
    ]);
    const sealed = ring.seal("refresh-token-value", "ca_1:refresh");
    expect(sealed.keyId).toBe("k2");
    expect(sealed.ciphertext.toString("latin1")).not.toContain("refresh-token-value");
    expect(ring.open(sealed, "ca_1:refresh")).toBe("refresh-token-value");
  });

  it("opens values sealed by an older key after rotation", () => {
    const old = { id: "k1", key: key() };
    const sealed = new Keyring([old]).seal("secret");
    const rotated = new Keyring([{ id: "k2", key: key() }, old]);
    expect(rotated.open(sealed)).toBe("secret");
    expect(rotated.needsRotation(sealed)).toBe(true);
  });

  it("refuses tampered ciphertext, another row's associated data and unknown key ids", () => {
    const ring = new Keyring([{ id: "k1", key: key() }]);
    const sealed = ring.seal("secret", "ca_1");
    const tampered = Buffer.from(sealed.ciphertext);
    const last = tampered.length - 1;
    tampered.writeUInt8(tampered.readUInt8(last) ^ 1, last);
    expect(() => ring.open({ keyId: "k1", ciphertext: tampered }, "ca_1")).toThrow();
    expect(() => ring.open(sealed, "ca_2")).toThrow();
    expect(() => ring.open({ ...sealed, keyId: "nope" }, "ca_1")).toThrow(/unknown encryption key id nope/);
  });

  it("loadKeyring parses id:base64 lists, warns on the development key and never echoes key material", () => {
    const k = key().toString("base64");
    expect(loadKeyring(`a:${k},b:${key().toString("base64")}`, () => {}).activeKeyId).toBe("a");
    const warn = vi.fn();
    loadKeyring(undefined, warn);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining("DEVELOPMENT"));
    const short = Buffer.alloc(16, 1).toString("base64");
    expect(() => loadKeyring(`bad:${short}`, () => {})).toThrow(/bad must decode to 32 bytes/);
    try {
      loadKeyring(`bad:${short}`, () => {});
    } catch (e) {
      expect(String(e)).not.toContain(short);
    }
  });
});

describe("loadKeyring in production", () => {
  const warn = () => undefined;

  it("refuses to run without keys, naming the variable", () => {
    expect(() => loadKeyring(undefined, warn, { production: true })).toThrow(
      /WARDEN_ENCRYPTION_KEYS must be set/,
    );
    expect(() => loadKeyring(" ", warn, { production: true })).toThrow(/WARDEN_ENCRYPTION_KEYS must be set/);
  });

  it("never accepts the development key, even spelled out", () => {
    const devKey = Buffer.alloc(32, 7).toString("base64");
    expect(() => loadKeyring(`mine:${devKey}`, warn, { production: true })).toThrow(
      /key mine is the public development key/,
    );
    expect(loadKeyring(`mine:${devKey}`, warn).activeKeyId).toBe("mine");
  });

  it("accepts real keys", () => {
    const real = Buffer.alloc(32, 9).toString("base64");
    expect(loadKeyring(`k1:${real}`, warn, { production: true }).activeKeyId).toBe("k1");
  });
});
