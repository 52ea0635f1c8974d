import { type SQL, sql } from "drizzle-orm";
import type { AnyPgColumn } from "drizzle-orm/pg-core";

/**
 * `left = right` for a condition checked on the rows another key finds (a row by its id, a
 * customer's identities by the customer), written so that no index answers it: IS NOT DISTINCT
 * FROM selects the same rows when neither side can be null. Written `=`, it offers the planner a
 * second road: a partial index whose predicate it is (`status = 'pending'`), or a tenant's unique
 * index. The planner takes that road whenever its statistics predate the rows (a burst of events,
 * a campaign, a backlog of messages, a tenant's customers just imported, a table not analyzed
 * since), and a prepared statement keeps such a plan; it then reads every row of the backlog or of
 * the tenant for each lookup, dead index entries included. Measured: a webhook claim of 100
 * deliveries took 11-16 ms that way against 1.3 ms by key; a notification claim read 477 index
 * pages against 3; the inbound comment lane's read of 100 messages read 17,000 entries of the
 * waiting index and, for each message, the tenant's 2,000 identities.
 */
export const checkedOnRow = (left: AnyPgColumn | SQL, right: AnyPgColumn | SQL): SQL =>
  sql`${left} IS NOT DISTINCT FROM ${right}`;

/**
 * A status among `statuses`, checked on the row found (checkedOnRow). The statuses are literals:
 * the prepared statements (statementTemplate) take no constant parameters.
 */
export const statusAmong = (status: AnyPgColumn | SQL, statuses: readonly string[]): SQL =>
  sql`(${sql.join(
    statuses.map((s) => checkedOnRow(status, statusLiteral(s))),
    sql` OR `,
  )})`;

/** A delivery (webhook or notification) still pending, checked on the row found: both tables' due index says `status = 'pending'`. */
export const stillPending = (status: AnyPgColumn | SQL): SQL => statusAmong(status, ["pending"]);

function statusLiteral(status: string): SQL {
  if (!/^[a-z_]+$/.test(status)) throw new Error(`not a status: ${status}`);
  return sql.raw(`'${status}'`);
}
