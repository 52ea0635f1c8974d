import { and, asc, eq, gt, gte, isNull, lt, lte, or, sql } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { webhookDeliveries } from "../db/schema/index.js";
import { destinationKeyOf } from "./destinationKey.js";

/** The job id of a delivery's next attempt: see the webhook-delivery queue in queues/catalog.ts. */
export function deliveryJobId(deliveryId: string, attemptsMade: number): string {
  return attemptsMade === 0 ? deliveryId : `${deliveryId}.${attemptsMade}`;
}

/**
 * A delivery whose next attempt should be on the queue: what its job id and payload are made of,
 * and the batch job that carries its first attempt, if one does.
 */
export type DueDelivery = {
  deliveryId: string;
  destination: string;
  attemptCount: number;
  batchJobId: string | null;
};

/**
 * A due delivery as the sweeper reads it: with when its attempt was due, as PostgreSQL wrote it (to
 * the microsecond, which a Date would cut to the millisecond), where the next page starts.
 */
export type SweptDelivery = DueDelivery & { dueKey: string };

/** The columns a DueDelivery is made of. */
export const dueColumns = {
  id: webhookDeliveries.id,
  attemptCount: webhookDeliveries.attemptCount,
  endpointId: webhookDeliveries.endpointId,
  url: webhookDeliveries.url,
  batchJobId: webhookDeliveries.batchJobId,
};

export function dueDeliveryOf(row: {
  id: string;
  attemptCount: number;
  endpointId: string | null;
  url: string | null;
  batchJobId: string | null;
}): DueDelivery {
  return {
    deliveryId: row.id,
    destination: destinationKeyOf(row),
    attemptCount: row.attemptCount,
    batchJobId: row.batchJobId,
  };
}

/**
 * Deliveries due now and held by no worker, oldest first (by due time, then id), after `after`
 * when given: the sweeper's candidates, a page at a time.
 */
export async function dueDeliveries(
  db: Database,
  limit: number,
  after?: Pick<SweptDelivery, "deliveryId" | "dueKey">,
): Promise<SweptDelivery[]> {
  const d = webhookDeliveries;
  const rows = await db
    .select({ ...dueColumns, dueKey: sql<string>`${d.nextAttemptAt}::text` })
    .from(d)
    .where(
      and(
        eq(d.status, "pending"),
        lte(d.nextAttemptAt, sql`now()`),
        or(isNull(d.lockedUntil), lt(d.lockedUntil, sql`now()`)),
        // The due index's range starts at the last page's due time; the id orders rows that share it.
        after
          ? and(
              gte(d.nextAttemptAt, sql`${after.dueKey}::timestamptz`),
              or(gt(d.nextAttemptAt, sql`${after.dueKey}::timestamptz`), gt(d.id, after.deliveryId)),
            )
          : undefined,
      ),
    )
    .orderBy(asc(d.nextAttemptAt), asc(d.id))
    .limit(limit);
  return rows.map((row) => ({ ...dueDeliveryOf(row), dueKey: row.dueKey }));
}
