/**
 * The keys that encrypt secrets at rest (channel account credentials, push subscriptions). Each
 * key has an id that is written beside every ciphertext, so a new key can take over encryption
 * while the old ones still open what they sealed (rotation without a flag day).
 */
export type SecretKey = { id: string; key: Buffer };
export type Keyring = Readonly<{
  /** Seals everything new. */
  current: SecretKey;
  /** Every key by id, the current one included: opens what any of them sealed. */
  byId: ReadonlyMap<string, Buffer>;
}>;

const keyIdPattern = /^[A-Za-z0-9_-]{1,32}$/;
export const secretKeyBytes = 32;

/**
 * Parses CHANNEL_SECRET_KEYS: `id:base64key[,id:base64key...]`, each key 32 random bytes
 * (`openssl rand -base64 32`), the first one current. Returns the problem as text when it is wrong.
 */
export function parseKeyring(text: string): Keyring | string {
  const keys: SecretKey[] = [];
  for (const part of text.split(",").map((p) => p.trim())) {
    const colon = part.indexOf(":");
    const id = part.slice(0, colon);
    if (colon < 0 || !keyIdPattern.test(id))
      return "each entry is id:base64key, the id letters, digits, '-' or '_' (at most 32)";
    const key = Buffer.from(part.slice(colon + 1), "base64");
    if (key.length !== secretKeyBytes)
      return `key ${id} must be ${secretKeyBytes} bytes in base64 (openssl rand -base64 32)`;
    if (keys.some((k) => k.id === id)) return `key id ${id} appears twice`;
    keys.push({ id, key });
  }
  const [current] = keys;
  if (!current) return "at least one key is required";
  return { current, byId: new Map(keys.map((k) => [k.id, k.key])) };
}
