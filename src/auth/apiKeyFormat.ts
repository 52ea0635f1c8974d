import { createHash, randomBytes } from "node:crypto";

/**
 * Keys are 32 random bytes, base64url, behind a recognisable prefix so secret scanners can spot
 * a leaked one. Only the SHA-256 is stored: a key has 256 bits of entropy, so a fast hash is
 * enough, and lookup stays one indexed equality.
 */
const keyPrefix = "sbk_";

export function generateApiKey(): { key: string; start: string; hash: string } {
  const key = `${keyPrefix}${randomBytes(32).toString("base64url")}`;
  return { key, start: key.slice(0, keyPrefix.length + 6), hash: hashApiKey(key) };
}

export function hashApiKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}
