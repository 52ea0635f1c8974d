import { and, asc, eq, isNull, lt, lte, or, sql } from "drizzle-orm";
import { stillPending } from "../db/checkedOnRow.js";
import type { Database } from "../db/client.js";
import { beyond, exactAt, type KeysetPosition } from "../db/keyset.js";
import { notificationDeliveries, notifications } from "../db/schema/index.js";
import { moveDelivery } from "./deliveryState.js";
import type { QueuedDelivery } from "./jobs.js";

const unheld = or(
  isNull(notificationDeliveries.lockedUntil),
  lt(notificationDeliveries.lockedUntil, sql`now()`),
);

/** A due delivery as the sweeper reads it, with its place in the sweeper's pages. */
export type SweptDelivery = QueuedDelivery & { position: KeysetPosition };

/**
 * Pending deliveries due now and held by no worker, oldest first (by due time, then id), after
 * `after` when given: the sweeper's candidates for a job Redis may have lost, a page at a time. The
 * job id is the delivery id, so re-adding one that is queued does nothing.
 */
export async function dueDeliveries(
  db: Database,
  limit: number,
  after?: KeysetPosition,
): Promise<SweptDelivery[]> {
  const d = notificationDeliveries;
  const rows = await db
    .select({
      id: d.id,
      channel: d.channel,
      priority: notifications.priority,
      dueAt: d.dueAt,
      at: exactAt(d.dueAt),
    })
    .from(d)
    .innerJoin(notifications, eq(notifications.id, d.notificationId))
    .where(
      and(
        eq(d.status, "pending"),
        lte(d.dueAt, sql`now()`),
        unheld,
        after ? beyond(d.dueAt, d.id, ">", after) : undefined,
      ),
    )
    .orderBy(asc(d.dueAt), asc(d.id))
    .limit(limit);
  return rows.map(({ at, ...due }) => ({ ...due, position: { at, id: due.id } }));
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
        and(
          stillPending(notificationDeliveries.status),
          lte(notificationDeliveries.expiresAt, sql`now()`),
          unheld,
        ),
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
