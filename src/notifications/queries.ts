import { and, asc, count, desc, eq, exists, inArray, isNotNull, isNull, type SQL, sql } from "drizzle-orm";
import { statusAmong } from "../db/checkedOnRow.js";
import type { Database, Tx } from "../db/client.js";
import { notificationDeliveries, notifications } from "../db/schema/index.js";
import { type Actor, eventTypes } from "../events/catalog.js";
import { type PageRequest, pageWindow } from "../http/pagination.js";
import type { NotificationDetail } from "./create.js";
import { recordNotificationEvent } from "./events.js";
import type { NotificationChannel, NotificationDeliveryStatus } from "./vocabulary.js";

type Reader = Database | Tx;

export type NotificationFilter = {
  recipientId?: string | undefined;
  channel?: NotificationChannel | undefined;
  status?: NotificationDeliveryStatus | undefined;
  read?: boolean | undefined;
};

/** The deliveries of these notifications, in channel order of creation. */
async function deliveriesOf(db: Reader, ids: readonly string[]) {
  if (ids.length === 0) return [];
  return db
    .select()
    .from(notificationDeliveries)
    .where(inArray(notificationDeliveries.notificationId, [...ids]))
    .orderBy(asc(notificationDeliveries.createdAt), asc(notificationDeliveries.id));
}

/**
 * Newest first. `channel` and `status` select notifications with a delivery on that channel in that
 * status (both on the same delivery when both are given); `read` is the recipient's read state.
 */
export async function listNotifications(
  db: Reader,
  tenantId: string,
  filter: NotificationFilter,
  page: PageRequest,
): Promise<{ items: NotificationDetail[]; total: number }> {
  const conditions: SQL[] = [eq(notifications.tenantId, tenantId)];
  if (filter.recipientId) conditions.push(eq(notifications.recipientId, filter.recipientId));
  if (filter.read !== undefined)
    conditions.push(filter.read ? isNotNull(notifications.readAt) : isNull(notifications.readAt));
  if (filter.channel || filter.status) {
    const on: SQL[] = [eq(notificationDeliveries.notificationId, notifications.id)];
    if (filter.channel) on.push(eq(notificationDeliveries.channel, filter.channel));
    // Not `status = ...`: for 'pending' that would offer the due index (src/db/checkedOnRow.ts).
    if (filter.status) on.push(statusAmong(notificationDeliveries.status, [filter.status]));
    conditions.push(
      exists(
        db
          .select({ one: sql`1` })
          .from(notificationDeliveries)
          .where(and(...on)),
      ),
    );
  }
  const where = and(...conditions);
  const { limit, offset } = pageWindow(page);
  const [rows, [counted]] = await Promise.all([
    db
      .select()
      .from(notifications)
      .where(where)
      .orderBy(desc(notifications.createdAt), desc(notifications.id))
      .limit(limit)
      .offset(offset),
    db.select({ total: count() }).from(notifications).where(where),
  ]);
  const deliveries = await deliveriesOf(
    db,
    rows.map((r) => r.id),
  );
  return {
    items: rows.map((notification) => ({
      notification,
      deliveries: deliveries.filter((d) => d.notificationId === notification.id),
    })),
    total: counted?.total ?? 0,
  };
}

export async function findNotification(
  db: Reader,
  tenantId: string,
  id: string,
): Promise<NotificationDetail | undefined> {
  const [notification] = await db
    .select()
    .from(notifications)
    .where(and(eq(notifications.tenantId, tenantId), eq(notifications.id, id)));
  if (!notification) return undefined;
  return { notification, deliveries: await deliveriesOf(db, [id]) };
}

/**
 * Marks a notification read or unread for its recipient. Only a change writes (with its event
 * notification.read or .unread); marking twice answers the same notification.
 */
export async function markRead(
  db: Database,
  tenantId: string,
  id: string,
  read: boolean,
  actor: Actor,
): Promise<NotificationDetail | undefined> {
  return db.transaction(async (tx) => {
    const [changed] = await tx
      .update(notifications)
      .set({ readAt: read ? sql`now()` : null, updatedAt: sql`now()` })
      .where(
        and(
          eq(notifications.tenantId, tenantId),
          eq(notifications.id, id),
          read ? isNull(notifications.readAt) : isNotNull(notifications.readAt),
        ),
      )
      .returning();
    if (changed)
      await recordNotificationEvent(
        tx,
        changed,
        read ? eventTypes.notificationRead : eventTypes.notificationUnread,
        actor,
      );
    return findNotification(tx, tenantId, id);
  });
}
