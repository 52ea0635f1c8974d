import type { Tx } from "../db/client.js";
import type { NotificationDeliveryRow, NotificationRow } from "../db/schema/index.js";
import { type Actor, type EventType, eventTypes } from "../events/catalog.js";
import { recordEvent } from "../events/writer.js";
import type { NotificationDeliveryStatus } from "./vocabulary.js";

/** The event each delivery status writes; pending writes none (the notification's creation does). */
export const deliveryEventType: Record<Exclude<NotificationDeliveryStatus, "pending">, EventType> = {
  sent: eventTypes.notificationSent,
  delivered: eventTypes.notificationDelivered,
  failed: eventTypes.notificationFailed,
  expired: eventTypes.notificationExpired,
  skipped: eventTypes.notificationSkipped,
};

/** What a notification's events read of it. */
export type NotificationHead = Pick<
  NotificationRow,
  "id" | "tenantId" | "recipientType" | "recipientId" | "customerId" | "templateCode"
>;

/**
 * The one writer of a notification's events: subject, customer (its timeline) and the leading ids
 * come from the notification. Payloads carry ids, channels and statuses, never the message or the
 * recipient's address, since webhooks deliver them unchanged.
 */
export async function recordNotificationEvent(
  tx: Tx,
  notification: NotificationHead,
  type: EventType,
  actor: Actor,
  extra: Record<string, unknown> = {},
  channel?: string,
): Promise<void> {
  await recordEvent(tx, {
    tenantId: notification.tenantId,
    type,
    subject: { type: "notification", id: notification.id },
    actor,
    channel,
    customerId: notification.customerId,
    payload: notificationEventPayload(notification, extra),
  });
}

/** What a notification's events say of it: ids only. */
export function notificationEventPayload(
  notification: NotificationHead,
  extra: Record<string, unknown> = {},
) {
  return {
    notificationId: notification.id,
    recipientType: notification.recipientType,
    recipientId: notification.recipientId,
    templateCode: notification.templateCode,
    ...extra,
  };
}

/** What a delivery's event says: the notification's ids, the delivery, its channel and status. */
export function deliveryEventPayload(
  notification: NotificationHead,
  delivery: Pick<NotificationDeliveryRow, "id" | "channel" | "fallbackFrom">,
  status: Exclude<NotificationDeliveryStatus, "pending">,
  reason: string | null,
) {
  return notificationEventPayload(notification, {
    deliveryId: delivery.id,
    channel: delivery.channel,
    status,
    ...(reason ? { reason } : {}),
    ...(delivery.fallbackFrom ? { fallbackFrom: delivery.fallbackFrom } : {}),
  });
}

/** A delivery's change as an event of its notification. */
export async function recordDeliveryEvent(
  tx: Tx,
  notification: NotificationHead,
  delivery: Pick<NotificationDeliveryRow, "id" | "channel" | "fallbackFrom">,
  status: Exclude<NotificationDeliveryStatus, "pending">,
  reason: string | null,
): Promise<void> {
  await recordEvent(tx, {
    tenantId: notification.tenantId,
    type: deliveryEventType[status],
    subject: { type: "notification", id: notification.id },
    actor: { type: "system" },
    channel: delivery.channel,
    customerId: notification.customerId,
    payload: deliveryEventPayload(notification, delivery, status, reason),
  });
}
