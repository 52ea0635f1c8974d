/**
 * A conservative estimate of a secret's entropy in bits: its length times the Shannon entropy of
 * its own characters. Repetition and small alphabets count against it ("aaaa..." is 0 bits, a word
 * repeated is little more), and a random string is underestimated a little, never overestimated:
 * `openssl rand -hex 32` scores about 240, `openssl rand -base64 32` about 215, and 32 hex
 * characters (`openssl rand -hex 16`) about 115.
 */
export function estimatedEntropyBits(secret: string): number {
  const characters = [...secret];
  const counts = new Map<string, number>();
  for (const ch of characters) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bitsPerCharacter = 0;
  for (const n of counts.values()) {
    const p = n / characters.length;
    bitsPerCharacter -= p * Math.log2(p);
  }
  return bitsPerCharacter * characters.length;
}

/** What a production ADMIN_TOKEN must score: as much as a random 128-bit key, with room to spare. */
export const minimumAdminTokenBits = 128;
