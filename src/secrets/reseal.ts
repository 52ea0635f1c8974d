import type { Keyring } from "./keyring.js";
import { isSealed, keyIdOf, open, SecretUnreadableError, seal, sealedPrefix } from "./secretBox.js";

/** How a pass over one table's sealed values went. */
export type ResealOutcome = { resealed: number; unreadable: number };

/**
 * The value sealed under the keyring's current key: a sealed one opened and sealed again, one stored
 * in clear sealed; undefined when it is sealed under the current key already. Throws
 * SecretUnreadableError for a value whose key the keyring no longer holds.
 */
export function resealed(keys: Keyring, stored: string, context: string): string | undefined {
  if (!isSealed(stored)) return seal(keys, stored, context);
  if (keyIdOf(stored) === keys.current.id) return undefined;
  return seal(keys, open(keys, stored, context), context);
}

/**
 * A LIKE pattern of the values sealed under the current key: a row whose value does not match it
 * is in clear or sealed under an older key. Key ids may hold `_`, which LIKE reads as any character.
 */
export function currentKeyPattern(keys: Keyring): string {
  return `${sealedPrefix}${keys.current.id.replaceAll("_", "\\_")}.%`;
}

/**
 * Re-seals a table's values under the current key, page by page in id order: `page` reads up to
 * `limit` rows after an id whose values are not under the current key, and `write` re-seals one row,
 * answering false when it changed meanwhile (it was saved again, under the current key). A row whose
 * value does not open is counted and left as it is: its key must be listed again to read it.
 */
export async function resealInPages<Row extends { id: string }>(
  page: (afterId: string, limit: number) => Promise<Row[]>,
  write: (row: Row) => Promise<boolean>,
  limit = 500,
): Promise<ResealOutcome> {
  const outcome: ResealOutcome = { resealed: 0, unreadable: 0 };
  let after = "";
  for (;;) {
    const rows = await page(after, limit);
    for (const row of rows) {
      try {
        if (await write(row)) outcome.resealed++;
      } catch (err) {
        if (!(err instanceof SecretUnreadableError)) throw err;
        outcome.unreadable++;
      }
    }
    const last = rows.at(-1);
    if (!last || rows.length < limit) return outcome;
    after = last.id;
  }
}
