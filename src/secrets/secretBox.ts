import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import type { Keyring } from "./keyring.js";

/**
 * AES-256-GCM for secrets at rest. A sealed value is `v1.<keyId>.<iv>.<ciphertext>.<tag>`
 * (base64url parts). `context` is authenticated but not stored: a ciphertext opens only under the
 * row it was sealed for (tenant and channel, say), so copying it into another row does not work.
 */
const version = "v1";
/** How every sealed value starts; a value stored in clear before sealing does not. */
export const sealedPrefix = `${version}.`;
const ivBytes = 12;

export function seal(keyring: Keyring, plaintext: string, context: string): string {
  const { id, key } = keyring.current;
  const iv = randomBytes(ivBytes);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(context, "utf8"));
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return [version, id, iv, ciphertext, cipher.getAuthTag()]
    .map((part) => (typeof part === "string" ? part : part.toString("base64url")))
    .join(".");
}

export class SecretUnreadableError extends Error {
  override readonly name = "SecretUnreadableError";
}

/** Opens a sealed value; a missing key, a wrong context or a changed byte throws SecretUnreadableError. */
export function open(keyring: Keyring, sealed: string, context: string): string {
  const [v, keyId, iv, ciphertext, tag, ...rest] = sealed.split(".");
  if (v !== version || keyId === undefined || !iv || ciphertext === undefined || !tag || rest.length > 0)
    throw new SecretUnreadableError("not a sealed secret");
  const key = keyring.byId.get(keyId);
  if (!key)
    throw new SecretUnreadableError(`sealed with key ${keyId}, which CHANNEL_SECRET_KEYS no longer holds`);
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
    decipher.setAAD(Buffer.from(context, "utf8"));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, "base64url")), decipher.final()]).toString(
      "utf8",
    );
  } catch (err) {
    throw new SecretUnreadableError("secret does not open with its key and context", { cause: err });
  }
}

/** Whether a stored value is one `seal` wrote, rather than a value stored in clear before sealing. */
export function isSealed(value: string): boolean {
  return value.startsWith(sealedPrefix);
}

/** The id of the key that sealed a value (for rotation: which rows still need re-sealing). */
export function keyIdOf(sealed: string): string | undefined {
  return sealed.split(".")[1];
}
