import { type SQL, sql } from "drizzle-orm";
import type { AnyPgColumn } from "drizzle-orm/pg-core";

/**
 * A delivery's status among `statuses`, for statements that find their delivery by id (a claim or
 * a record asked alone, a release, a receipt's move). Not written `status = 'pending'` (nor an IN
 * list holding only 'pending'): that is the due index's predicate, so the planner may read every
 * pending delivery through that index and match them to the id, rather than look the id up by its
 * key. It does so whenever its statistics predate the backlog (statistics taken in a quiet spell,
 * then a campaign), and a prepared statement keeps that plan: with 40,000 pending rows and
 * statistics from before them, a claim by id read 477 index pages (4 ms) that way and 3 by key.
 * `status` is never null, so `IS NOT DISTINCT FROM` selects the same rows as `=`.
 * (src/webhooks/stillPending.ts does the same for webhook deliveries.)
 */
export const statusAmong = (status: AnyPgColumn | SQL, statuses: readonly string[]): SQL =>
  sql`(${sql.join(
    statuses.map((s) => sql`${status} IS NOT DISTINCT FROM ${statusLiteral(s)}`),
    sql` OR `,
  )})`;

/** A status as a literal: the prepared statements (statementTemplate) take no constant parameters. */
function statusLiteral(status: string): SQL {
  if (!/^[a-z_]+$/.test(status)) throw new Error(`not a delivery status: ${status}`);
  return sql.raw(`'${status}'`);
}

/** Still pending, written as statusAmong explains. */
export const stillPending = (status: AnyPgColumn | SQL): SQL => statusAmong(status, ["pending"]);
