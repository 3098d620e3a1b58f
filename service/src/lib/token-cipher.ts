// Secrets at rest (a builder's Calendly tokens): AES-256-GCM with a 96-bit random IV, under one of
// several keys named by id. The first key encrypts; every key decrypts, so a key can be rotated
// in by putting it first and rotated out once nothing is stored under it any more.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

export interface TokenKey {
  id: string;
  key: Buffer;
}

export interface Sealed {
  keyId: string;
  /** `<iv>.<ciphertext>.<tag>`, each base64url. */
  ciphertext: string;
}

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

/**
 * Parses `CALENDLY_TOKEN_ENCRYPTION_KEYS`: comma-separated `keyId:base64-of-32-bytes`. Returns the
 * keys, or the problems found (naming the key id, never the key).
 */
export function parseTokenKeys(value: string): { keys: TokenKey[]; problems: string[] } {
  const keys: TokenKey[] = [];
  const problems: string[] = [];
  const entries = value
    .split(",")
    .map((e) => e.trim())
    .filter(Boolean);
  if (entries.length === 0) problems.push("must list at least one keyId:base64-key");
  for (const [i, entry] of entries.entries()) {
    const colon = entry.indexOf(":");
    const id = colon > 0 ? entry.slice(0, colon) : "";
    if (!KEY_ID.test(id)) {
      problems.push(`entry ${i + 1} must be keyId:base64-key with a key id of letters, digits, - and _`);
      continue;
    }
    const key = Buffer.from(entry.slice(colon + 1), "base64");
    if (key.length !== 32) {
      problems.push(`key "${id}" must be 32 bytes, base64-encoded (openssl rand -base64 32)`);
      continue;
    }
    if (keys.some((k) => k.id === id)) {
      problems.push(`key id "${id}" is listed twice`);
      continue;
    }
    keys.push({ id, key });
  }
  return { keys, problems };
}

export class TokenCipher {
  private readonly byId: Map<string, Buffer>;

  constructor(private readonly keys: readonly TokenKey[]) {
    if (keys.length === 0) throw new Error("TokenCipher: at least one key is required");
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
  }

  /** The key new ciphertexts are written under. */
  get currentKeyId(): string {
    return this.keys[0]!.id;
  }

  hasKey(keyId: string): boolean {
    return this.byId.has(keyId);
  }

  seal(plaintext: string, aad = ""): Sealed {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.keys[0]!.key, iv);
    cipher.setAAD(Buffer.from(aad, "utf8"));
    const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    const tag = cipher.getAuthTag();
    return {
      keyId: this.currentKeyId,
      ciphertext: [iv, body, tag].map((b) => b.toString("base64url")).join("."),
    };
  }

  /**
   * Decrypts what `seal` wrote under `keyId`, with the same `aad` (what the secret belongs to, so
   * a ciphertext copied onto another row does not decrypt). Throws on any mismatch.
   */
  open(sealed: Sealed, aad = ""): string {
    const key = this.byId.get(sealed.keyId);
    if (!key) throw new Error(`no token encryption key "${sealed.keyId}" is configured`);
    const parts = sealed.ciphertext.split(".");
    if (parts.length !== 3) throw new Error("not a sealed token");
    const [iv, body, tag] = parts.map((p) => Buffer.from(p, "base64url")) as [Buffer, Buffer, Buffer];
    const decipher = createDecipheriv("aes-256-gcm", key, iv);
    decipher.setAAD(Buffer.from(aad, "utf8"));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]).toString("utf8");
  }
}
