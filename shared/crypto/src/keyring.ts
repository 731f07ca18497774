import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A ciphertext and the id of the key that sealed it; both are stored side by side. */
export interface Sealed {
  keyId: string;
  ciphertext: Buffer;
}

/**
 * AES-256-GCM with named keys. The first key seals; every key opens, so keys
 * rotate by putting a new one first and keeping the old ones until data is
 * re-sealed. The optional associated data binds a ciphertext to its row and
 * field, so a ciphertext copied onto another row fails to open.
 */
export class Keyring {
  private readonly keys: Map<string, Buffer>;
  readonly activeKeyId: string;

  constructor(keys: Array<{ id: string; key: Buffer }>) {
    if (keys.length === 0) throw new Error("keyring needs at least one key");
    this.keys = new Map();
    for (const { id, key } of keys) {
      if (key.length !== 32) throw new Error(`encryption key ${id} must be 32 bytes (got ${key.length})`);
      if (this.keys.has(id)) throw new Error(`encryption key id ${id} appears twice`);
      this.keys.set(id, key);
    }
    this.activeKeyId = keys[0]!.id;
  }

  /** Seals plaintext with the active key. */
  seal(plaintext: string, associatedData = ""): Sealed {
    const key = this.keys.get(this.activeKeyId)!;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", key, iv);
    cipher.setAAD(Buffer.from(associatedData));
    const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    return { keyId: this.activeKeyId, ciphertext: Buffer.concat([iv, cipher.getAuthTag(), body]) };
  }

  /** Opens a sealed value; throws if the key is unknown or the data was tampered with. */
  open(sealed: Sealed, associatedData = ""): string {
    const key = this.keys.get(sealed.keyId);
    if (!key) throw new Error(`unknown encryption key id ${sealed.keyId}`);
    const iv = sealed.ciphertext.subarray(0, IV_BYTES);
    const tag = sealed.ciphertext.subarray(IV_BYTES, IV_BYTES + TAG_BYTES);
    const decipher = createDecipheriv("aes-256-gcm", key, iv);
    decipher.setAAD(Buffer.from(associatedData));
    decipher.setAuthTag(tag);
    return Buffer.concat([
      decipher.update(sealed.ciphertext.subarray(IV_BYTES + TAG_BYTES)),
      decipher.final(),
    ]).toString("utf8");
  }

  /**
   * A 32-byte key for another purpose (e.g. signing cursors), derived from the
   * active key so every replica agrees without another secret to configure.
   */
  deriveKey(purpose: string): Buffer {
    return Buffer.from(hkdfSync("sha256", this.keys.get(this.activeKeyId)!, "warden", purpose, 32));
  }

  /** True when the value was sealed with a key other than the active one (due for re-sealing). */
  needsRotation(sealed: Pick<Sealed, "keyId">): boolean {
    return sealed.keyId !== this.activeKeyId;
  }
}

// A fixed development key so a fresh checkout runs; loadKeyring warns loudly when it is used.
const DEVELOPMENT_KEY = { id: "dev", key: Buffer.alloc(32, 7) };

/**
 * Builds the keyring from WARDEN_ENCRYPTION_KEYS (`id:base64key,…`, first one
 * encrypts). Without it, uses a development key and calls warn — except in
 * production, which refuses to start without real keys and never accepts the
 * development key, even spelled out. Error messages name the key id, never the key.
 */
export function loadKeyring(
  spec: string | undefined,
  warn: (message: string) => void,
  options: { production?: boolean } = {},
): Keyring {
  if (!spec || spec.trim() === "") {
    if (options.production)
      throw new Error("WARDEN_ENCRYPTION_KEYS must be set when NODE_ENV=production (id:base64key,…)");
    warn(
      "WARDEN_ENCRYPTION_KEYS is not set: using the built-in DEVELOPMENT key. Never run production like this.",
    );
    return new Keyring([DEVELOPMENT_KEY]);
  }
  const keys = spec.split(",").map((entry, index) => {
    const colon = entry.indexOf(":");
    if (colon <= 0) throw new Error(`WARDEN_ENCRYPTION_KEYS entry ${index + 1} must be id:base64key`);
    const id = entry.slice(0, colon).trim();
    if (!/^[A-Za-z0-9_.-]{1,32}$/.test(id))
      throw new Error(`WARDEN_ENCRYPTION_KEYS entry ${index + 1} has an invalid key id`);
    const key = Buffer.from(entry.slice(colon + 1).trim(), "base64");
    if (key.length !== 32) throw new Error(`WARDEN_ENCRYPTION_KEYS key ${id} must decode to 32 bytes`);
    if (options.production && key.equals(DEVELOPMENT_KEY.key))
      throw new Error(`WARDEN_ENCRYPTION_KEYS key ${id} is the public development key; generate a real one`);
    return { id, key };
  });
  return new Keyring(keys);
}
