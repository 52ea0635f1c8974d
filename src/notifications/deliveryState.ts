import { and, eq, inArray, isNull, sql } from "drizzle-orm";
import { statusAmong } from "../db/checkedOnRow.js";
import type { Tx } from "../db/client.js";
import {
  type NotificationDeliveryRow,
  type NotificationRow,
  notificationDeliveries,
  notificationFallbacks,
  notificationReceipts,
} from "../db/schema/index.js";
import { newId } from "../ids.js";
import { type NotificationHead, recordDeliveryEvent } from "./events.js";
import type { QueuedDelivery } from "./jobs.js";
import { deliveryStatuses, deliveryStatusRank, type NotificationDeliveryStatus } from "./vocabulary.js";

/** What a change sets besides the status. */
export type DeliveryChange = {
  status: Exclude<NotificationDeliveryStatus, "pending">;
  reason?: string | null | undefined;
  at: Date;
  externalId?: string | undefined;
  provider?: string | undefined;
  locale?: string | undefined;
  content?: Record<string, string> | undefined;
};

/** The statuses a delivery may leave for `to`: only those further behind. */
function behind(to: NotificationDeliveryStatus): NotificationDeliveryStatus[] {
  return deliveryStatuses.filter((s) => deliveryStatusRank[s] < deliveryStatusRank[to]);
}

/** Ends that another channel may make up for (a tenant's fallback rule): the message did not reach them. */
const fallsBack: ReadonlySet<NotificationDeliveryStatus> = new Set(["failed", "skipped"]);

/** What moving a delivery reads of its notification: its events' ids and a fallback's lane. */
export type MovingNotification = NotificationHead & Pick<NotificationRow, "priority">;

export type Moved = { delivery: NotificationDeliveryRow; fallback: QueuedDelivery | undefined } | undefined;

/**
 * Moves a delivery forward, in the caller's transaction, with its event: a change to a status not
 * further along than the current one does nothing (a late "sent" never undoes an early
 * "delivered"), so receipts and sends may arrive in any order. A failed or skipped delivery starts
 * the tenant's fallback for its channel, if it has one and the notification has no delivery on
 * that channel yet; the new delivery is returned for the caller to enqueue after the commit.
 */
export async function moveDelivery(
  tx: Tx,
  notification: MovingNotification,
  deliveryId: string,
  change: DeliveryChange,
): Promise<Moved> {
  const terminal = change.status !== "sent";
  const [delivery] = await tx
    .update(notificationDeliveries)
    .set({
      status: change.status,
      updatedAt: change.at,
      lockedUntil: null,
      ...(change.reason !== undefined ? { reason: change.reason } : {}),
      ...(change.externalId !== undefined ? { externalId: change.externalId } : {}),
      ...(change.provider !== undefined ? { provider: change.provider } : {}),
      ...(change.locale !== undefined ? { locale: change.locale } : {}),
      ...(change.content !== undefined ? { content: change.content } : {}),
      ...(change.status === "sent" ? { sentAt: change.at } : {}),
      ...(change.status === "delivered"
        ? { deliveredAt: change.at, sentAt: sql`coalesce(${notificationDeliveries.sentAt}, ${change.at})` }
        : {}),
      ...(terminal ? { completedAt: change.at } : {}),
    })
    .where(
      and(
        eq(notificationDeliveries.id, deliveryId),
        statusAmong(notificationDeliveries.status, behind(change.status)),
      ),
    )
    .returning();
  if (!delivery) return undefined;
  await recordDeliveryEvent(tx, notification, delivery, change.status, change.reason ?? null);
  const fallback = fallsBack.has(change.status)
    ? await startFallback(tx, notification, delivery, change.at)
    : undefined;
  return { delivery, fallback };
}

async function startFallback(
  tx: Tx,
  notification: MovingNotification,
  failed: NotificationDeliveryRow,
  at: Date,
): Promise<QueuedDelivery | undefined> {
  const [rule] = await tx
    .select({ to: notificationFallbacks.toChannel })
    .from(notificationFallbacks)
    .where(
      and(
        eq(notificationFallbacks.tenantId, failed.tenantId),
        eq(notificationFallbacks.fromChannel, failed.channel),
      ),
    );
  if (!rule) return undefined;
  const [created] = await tx
    .insert(notificationDeliveries)
    .values({
      id: newId("notificationDelivery"),
      tenantId: failed.tenantId,
      notificationId: failed.notificationId,
      channel: rule.to,
      fallbackFrom: failed.id,
      dueAt: at,
      expiresAt: failed.expiresAt,
      createdAt: at,
      updatedAt: at,
    })
    .onConflictDoNothing()
    .returning();
  return created
    ? { id: created.id, channel: created.channel, priority: notification.priority, dueAt: created.dueAt }
    : undefined;
}

/**
 * Serialises everything about one provider message id: the receipt that names it and the send that
 * learns it. Whichever commits second sees the other's row, so a receipt that arrives before the
 * send call returned is applied when the send is recorded, and never lost between the two.
 */
export async function lockExternalId(
  tx: Tx,
  tenantId: string,
  channel: string,
  externalId: string,
): Promise<void> {
  await tx.execute(
    sql`SELECT pg_advisory_xact_lock(hashtextextended(${externalIdLockKey(tenantId, channel, externalId)}, 0))`,
  );
}

/** The key of a provider message id's advisory lock (hashed with hashtextextended(key, 0)). */
export const externalIdLockKey = (tenantId: string, channel: string, externalId: string) =>
  `${tenantId}/${channel}/${externalId}`;

/** Applies receipts that arrived for a provider id before its delivery knew it; returns fallbacks to enqueue. */
export async function applyWaitingReceipts(
  tx: Tx,
  notification: MovingNotification,
  delivery: Pick<NotificationDeliveryRow, "id" | "tenantId" | "channel">,
  externalId: string,
): Promise<QueuedDelivery[]> {
  const waiting = await tx
    .select()
    .from(notificationReceipts)
    .where(
      and(
        eq(notificationReceipts.tenantId, delivery.tenantId),
        eq(notificationReceipts.channel, delivery.channel),
        eq(notificationReceipts.externalId, externalId),
        isNull(notificationReceipts.deliveryId),
      ),
    )
    .orderBy(notificationReceipts.occurredAt);
  const fallbacks: QueuedDelivery[] = [];
  for (const receipt of waiting) {
    if (receipt.status === "pending") continue;
    const moved = await moveDelivery(tx, notification, delivery.id, {
      status: receipt.status,
      reason: receipt.reason,
      at: receipt.occurredAt,
    });
    if (moved?.fallback) fallbacks.push(moved.fallback);
  }
  if (waiting.length > 0)
    await tx
      .update(notificationReceipts)
      .set({ deliveryId: delivery.id })
      .where(
        inArray(
          notificationReceipts.id,
          waiting.map((r) => r.id),
        ),
      );
  return fallbacks;
}
