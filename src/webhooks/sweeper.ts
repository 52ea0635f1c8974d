import { and, asc, eq, isNull, lt, lte, or, sql } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { webhookDeliveries } from "../db/schema/index.js";

/** The job id of a delivery's next attempt: see the webhook-delivery queue in queues/catalog.ts. */
export function deliveryJobId(deliveryId: string, attemptsMade: number): string {
  return attemptsMade === 0 ? deliveryId : `${deliveryId}.${attemptsMade}`;
}

/** Deliveries due now and held by no worker, oldest first: the sweeper's candidates. */
export async function dueDeliveries(
  db: Database,
  limit: number,
): Promise<Array<{ id: string; attemptCount: number }>> {
  return db
    .select({ id: webhookDeliveries.id, attemptCount: webhookDeliveries.attemptCount })
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
}
