import type { z } from "@hono/zod-openapi";
import type { NotificationDeliveryRow } from "../db/schema/index.js";
import type { NotificationDetail } from "./create.js";
import type { notificationSchema } from "./schemas.js";

const iso = (d: Date | null) => d?.toISOString() ?? null;

/** One status for the notification: the furthest any channel got. */
function overallStatus(
  deliveries: readonly NotificationDeliveryRow[],
): "pending" | "sent" | "delivered" | "failed" {
  const has = (s: string) => deliveries.some((d) => d.status === s);
  if (has("delivered")) return "delivered";
  if (has("sent")) return "sent";
  if (has("pending")) return "pending";
  return "failed";
}

function inAppOf(deliveries: readonly NotificationDeliveryRow[]) {
  const content = deliveries.find((d) => d.channel === "in_app")?.content;
  if (!content || content.title === undefined || content.body === undefined) return null;
  return { title: content.title, body: content.body, ...(content.link ? { link: content.link } : {}) };
}

export function notificationView({
  notification: n,
  deliveries,
}: NotificationDetail): z.infer<typeof notificationSchema> {
  return {
    id: n.id,
    recipientId: n.recipientId,
    recipientType: n.recipientType,
    channels: n.channels,
    templateCode: n.templateCode,
    templateVersion: n.templateVersion,
    templateData: n.templateData,
    priority: n.priority,
    scheduleAt: iso(n.scheduleAt),
    expiresAt: iso(n.expiresAt),
    status: overallStatus(deliveries),
    read: n.readAt !== null,
    readAt: iso(n.readAt),
    inApp: inAppOf(deliveries),
    deliveries: deliveries.map((d) => ({
      id: d.id,
      channel: d.channel,
      status: d.status,
      reason: d.reason,
      attempts: d.attemptCount,
      locale: d.locale,
      provider: d.provider,
      providerMessageId: d.externalId,
      fallbackFrom: d.fallbackFrom,
      dueAt: d.dueAt.toISOString(),
      sentAt: iso(d.sentAt),
      deliveredAt: iso(d.deliveredAt),
      completedAt: iso(d.completedAt),
      createdAt: d.createdAt.toISOString(),
    })),
    createdAt: n.createdAt.toISOString(),
    updatedAt: n.updatedAt.toISOString(),
  };
}
