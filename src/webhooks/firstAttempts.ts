import { sql } from "drizzle-orm";
import { stillPending } from "../db/checkedOnRow.js";
import { type Database, rowsOf } from "../db/client.js";

/** A batch job's delivery still waiting for its first attempt, and for how long another worker holds it. */
export type OpenFirstAttempt = { id: string; heldForMs: number };

/**
 * Which of a batch job's deliveries still wait for their first attempt, in the job's order, in one
 * read: a job run again (put back, or taken over from a crashed worker) skips what is done or has
 * moved on to its retries. One held by another worker (held for more than 0 ms) is not claimable now.
 * The ids go as one array parameter, not one parameter each: a batch job carries up to a relayed
 * batch's worth (500), and building a statement of 500 parameters cost the worker more than the
 * read itself. Planned each time (not prepared), like the claims, since the table grows from empty
 * to a backlog.
 */
export async function openFirstAttempts(
  db: Database,
  deliveryIds: readonly string[],
): Promise<OpenFirstAttempt[]> {
  const rows = rowsOf<{ id: string; heldForMs: number | string | null }>(
    await db.execute(sql`
      SELECT id, greatest(0, ceil(extract(epoch from locked_until - now()) * 1000)) AS "heldForMs"
      FROM webhook_deliveries
      WHERE id = ANY(${sql.param([...deliveryIds])}::text[]) AND ${stillPending(sql.raw("status"))}
        AND attempt_count = 0`),
  );
  const held = new Map(rows.map((r) => [r.id, Number(r.heldForMs ?? 0)]));
  return deliveryIds.flatMap((id) => {
    const heldForMs = held.get(id);
    return heldForMs === undefined ? [] : [{ id, heldForMs }];
  });
}
