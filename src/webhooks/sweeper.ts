import { and, asc, eq, isNull, lt, lte, or, sql } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { beyond, exactAt, type KeysetPosition } from "../db/keyset.js";
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

/** A due delivery as the sweeper reads it, with its place in the sweeper's pages. */
export type SweptDelivery = DueDelivery & { position: KeysetPosition };

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
  after?: KeysetPosition,
): Promise<SweptDelivery[]> {
  const d = webhookDeliveries;
  const rows = await db
    .select({ ...dueColumns, at: exactAt(d.nextAttemptAt) })
    .from(d)
    .where(
      and(
        eq(d.status, "pending"),
        lte(d.nextAttemptAt, sql`now()`),
        or(isNull(d.lockedUntil), lt(d.lockedUntil, sql`now()`)),
        after ? beyond(d.nextAttemptAt, d.id, ">", after) : undefined,
      ),
    )
    .orderBy(asc(d.nextAttemptAt), asc(d.id))
    .limit(limit);
  return rows.map((row) => ({ ...dueDeliveryOf(row), position: { at: row.at, id: row.id } }));
}
