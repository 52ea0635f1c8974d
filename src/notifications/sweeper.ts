import { and, asc, eq, isNull, lt, lte, or, sql } from "drizzle-orm";
import { stillPending } from "../db/checkedOnRow.js";
import type { Database } from "../db/client.js";
import { notificationDeliveries, notifications } from "../db/schema/index.js";
import { moveDelivery } from "./deliveryState.js";
import type { QueuedDelivery } from "./jobs.js";

const unheld = or(
  isNull(notificationDeliveries.lockedUntil),
  lt(notificationDeliveries.lockedUntil, sql`now()`),
);

/**
 * Pending deliveries due now and held by no worker, oldest first: the sweeper's candidates for a
 * job Redis may have lost. The job id is the delivery id, so re-adding one that is queued does nothing.
 */
export async function dueDeliveries(db: Database, limit: number): Promise<QueuedDelivery[]> {
  return db
    .select({
      id: notificationDeliveries.id,
      channel: notificationDeliveries.channel,
      priority: notifications.priority,
      dueAt: notificationDeliveries.dueAt,
    })
    .from(notificationDeliveries)
    .innerJoin(notifications, eq(notifications.id, notificationDeliveries.notificationId))
    .where(
      and(
        eq(notificationDeliveries.status, "pending"),
        lte(notificationDeliveries.dueAt, sql`now()`),
        unheld,
      ),
    )
    .orderBy(asc(notificationDeliveries.dueAt))
    .limit(limit);
}

/**
 * Expires pending deliveries whose notification's time-to-live passed, whether or not their job is
 * still in Redis: a delayed or lost job must not send an OTP late. Each with its event. Read by the
 * deliveries' own copy of the time-to-live, through the index of pending deliveries that have one
 * (whose predicate is stillPending's): each tick reads what expired, not every pending delivery of a
 * campaign and its notification.
 */
export async function expireStaleDeliveries(db: Database, limit: number): Promise<number> {
  return db.transaction(async (tx) => {
    const stale = await tx
      .select({ delivery: notificationDeliveries, notification: notifications })
      .from(notificationDeliveries)
      .innerJoin(notifications, eq(notifications.id, notificationDeliveries.notificationId))
      .where(
        and(stillPending(notificationDeliveries.status), lte(notificationDeliveries.expiresAt, sql`now()`), unheld),
      )
      .orderBy(asc(notificationDeliveries.expiresAt))
      .limit(limit)
      .for("update", { of: notificationDeliveries, skipLocked: true });
    const at = new Date();
    let expired = 0;
    for (const { delivery, notification } of stale) {
      const moved = await moveDelivery(tx, notification, delivery.id, {
        status: "expired",
        reason: "its time-to-live passed before it was sent",
        at,
      });
      if (moved) expired++;
    }
    return expired;
  });
}
