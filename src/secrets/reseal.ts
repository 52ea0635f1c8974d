import { and, asc, eq, gt, not, type SQL, sql } from "drizzle-orm";
import type { AnyPgColumn, PgTable } from "drizzle-orm/pg-core";
import { type Database, rowsOf } from "../db/client.js";
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
 * A column whose value is in clear or sealed under an older key (not NULL): it does not match the
 * LIKE pattern of values sealed under the current key. Key ids may hold `_`, which LIKE reads as
 * any character.
 */
export function notSealedUnderCurrentKey(column: AnyPgColumn, keys: Keyring): SQL {
  const pattern = `${sealedPrefix}${keys.current.id.replaceAll("_", "\\_")}.%`;
  return not(sql`${column} LIKE ${pattern}`);
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

/**
 * One sealed column of a table under the current key (resealInPages over the rows it is not yet):
 * `reseal` re-seals a row's value with the context the owning module binds it to, from the columns
 * `parts` reads, and each row is written only while its value is still the one read.
 */
export function resealColumn<Part extends string>(
  db: Database,
  keys: Keyring,
  spec: {
    table: PgTable;
    id: AnyPgColumn;
    sealed: AnyPgColumn;
    parts: Record<Part, AnyPgColumn>;
    reseal: (row: Record<Part | "id", string>, sealed: string) => string | undefined;
  },
): Promise<ResealOutcome> {
  type Row = Record<Part | "id" | "sealed", string>;
  return resealInPages<Row>(
    async (after, limit) =>
      (await db
        .select({ ...spec.parts, id: spec.id, sealed: spec.sealed })
        .from(spec.table)
        .where(and(gt(spec.id, after), notSealedUnderCurrentKey(spec.sealed, keys)))
        .orderBy(asc(spec.id))
        .limit(limit)) as unknown as Row[],
    async (row) => {
      const sealed = spec.reseal(row, row.sealed);
      if (sealed === undefined) return false;
      const written = await db.execute(
        sql`UPDATE ${spec.table} SET ${sql.identifier(spec.sealed.name)} = ${sealed}
          WHERE ${eq(spec.id, row.id)} AND ${eq(spec.sealed, row.sealed)} RETURNING 1`,
      );
      return rowsOf(written).length > 0;
    },
  );
}
