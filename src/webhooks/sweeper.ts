import { and, asc, eq, isNull, lt, lte, or, sql } from "drizzle-orm";
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

/** Deliveries due now and held by no worker, oldest first: the sweeper's candidates. */
export async function dueDeliveries(db: Database, limit: number): Promise<DueDelivery[]> {
  const rows = await db
    .select(dueColumns)
    .from(webhookDeliveries)
    .where(
      and(
        eq(webhookDeliveries.status, "pending"),
        lte(webhookDeliveries.nextAttemptAt, sql`now()`),
        or(isNull(webhookDeliveries.lockedUntil), lt(webhookDeliveries.lockedUntil, sql`now()`)),
      ),
    )
    .orderBy(asc(webhookDeliveries.nextAttemptAt))
    .limit(limit);
  return rows.map(dueDeliveryOf);
}
