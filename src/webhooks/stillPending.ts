import { type SQL, sql } from "drizzle-orm";
import type { AnyPgColumn } from "drizzle-orm/pg-core";
import { checkedOnRow } from "../db/checkedOnRow.js";

/**
 * A delivery still pending, for statements that find their rows by id (claims, a batch job's read
 * of its open first attempts), checked on the rows found rather than through the due index, whose
 * predicate `status = 'pending'` is (src/db/checkedOnRow.ts).
 */
export const stillPending = (status: AnyPgColumn | SQL): SQL => checkedOnRow(status, sql.raw("'pending'"));
