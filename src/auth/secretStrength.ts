/**
 * A conservative estimate of a secret's entropy in bits: its length times the Shannon entropy of
 * its own characters, where a secret that repeats a shorter unit counts as that unit. Small
 * alphabets and repetition count against it ("aaaa..." is 0 bits, "passwordpassword..." what
 * "password" is), and a random string is underestimated a little, never overestimated:
 * `openssl rand -hex 32` scores about 240, `openssl rand -base64 32` about 215, and 32 hex
 * characters (`openssl rand -hex 16`) about 115.
 */
export function estimatedEntropyBits(secret: string): number {
  const characters = shortestRepeatingUnit([...secret]);
  const counts = new Map<string, number>();
  for (const ch of characters) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bitsPerCharacter = 0;
  for (const n of counts.values()) {
    const p = n / characters.length;
    bitsPerCharacter -= p * Math.log2(p);
  }
  return bitsPerCharacter * characters.length;
}

/** The shortest prefix the secret repeats (in full, then in part): "abcabcab" → "abc". */
function shortestRepeatingUnit(characters: string[]): string[] {
  for (let period = 1; period < characters.length; period++) {
    let repeats = true;
    for (let i = period; i < characters.length && repeats; i++)
      repeats = characters[i] === characters[i - period];
    if (repeats) return characters.slice(0, period);
  }
  return characters;
}

/** What a production ADMIN_TOKEN must score: as much as a random 128-bit key, with room to spare. */
export const minimumAdminTokenBits = 128;
