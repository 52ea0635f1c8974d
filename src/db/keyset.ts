import { type SQL, sql } from "drizzle-orm";
import type { AnyPgColumn } from "drizzle-orm/pg-core";

/**
 * Keyset paging, for lists that grow without bound (the desk's tickets, a ticket's comments, the
 * sweepers' due rows): a page is the rows after a position in the list's order by (time, id), so
 * reading page n costs what page 1 costs and rows added meanwhile neither shift nor repeat the
 * others. The position is exact to the database's microsecond: a millisecond Date would skip or
 * repeat rows written within the same millisecond.
 */
export type KeysetPosition = { at: string; id: string };

/** A timestamp column as a position's `at`: UTC, to the microsecond (`2026-12-03T10:49:47.123456Z`). */
export const exactAt = (column: AnyPgColumn): SQL<string> =>
  sql<string>`to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/**
 * The rows after (`>`, oldest first) or before (`<`, newest first) a position, ordered by (at, id).
 * A row comparison: an index on the time column alone still starts its range there.
 */
export const beyond = (
  at: AnyPgColumn,
  id: AnyPgColumn,
  direction: ">" | "<",
  position: KeysetPosition,
): SQL => sql`(${at}, ${id}) ${sql.raw(direction)} (${position.at}::timestamptz, ${position.id}::text)`;
