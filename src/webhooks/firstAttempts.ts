import { and, eq, inArray, sql } from "drizzle-orm";
import { stillPending } from "../db/checkedOnRow.js";
import type { Database } from "../db/client.js";
import { webhookDeliveries } from "../db/schema/index.js";

/** A batch job's delivery still waiting for its first attempt, and for how long another worker holds it. */
export type OpenFirstAttempt = { id: string; heldForMs: number };

/**
 * Which of a batch job's deliveries still wait for their first attempt, in the job's order, in one
 * read: a job run again (put back, or taken over from a crashed worker) skips what is done or has
 * moved on to its retries. One held by another worker (held for more than 0 ms) is not claimable now.
 */
export async function openFirstAttempts(
  db: Database,
  deliveryIds: readonly string[],
): Promise<OpenFirstAttempt[]> {
  const rows = await db
    .select({
      id: webhookDeliveries.id,
      heldForMs: sql<number>`greatest(0, ceil(extract(epoch from ${webhookDeliveries.lockedUntil} - now()) * 1000))`,
    })
    .from(webhookDeliveries)
    .where(
      and(
        inArray(webhookDeliveries.id, [...deliveryIds]),
        stillPending(webhookDeliveries.status),
        eq(webhookDeliveries.attemptCount, 0),
      ),
    );
  const held = new Map(rows.map((r) => [r.id, Number(r.heldForMs ?? 0)]));
  return deliveryIds.flatMap((id) => {
    const heldForMs = held.get(id);
    return heldForMs === undefined ? [] : [{ id, heldForMs }];
  });
}
