import type { Database, Tx } from "../db/client.js";
import {
  type NotificationDeliveryRow,
  type NotificationRow,
  notificationDeliveries,
  notifications,
} from "../db/schema/index.js";
import { type Actor, eventTypes } from "../events/catalog.js";
import { newId } from "../ids.js";
import { maskCardNumbersDeep } from "../privacy/cardNumbers.js";
import { checkData } from "../templates/analysis.js";
import { type EffectiveTemplate, findEffectiveTemplate } from "../templates/service.js";
import { contactPointsOf } from "./contactPoints.js";
import { recordNotificationEvent } from "./events.js";
import type { NotificationChannel, NotificationPriority, RecipientType } from "./vocabulary.js";

export type NewNotification = {
  recipientId: string;
  recipientType: RecipientType;
  channels: readonly NotificationChannel[];
  templateCode: string;
  templateData: Record<string, unknown>;
  priority: NotificationPriority;
  scheduleAt: Date | null;
  /** An undelivered message is expired this long after it is due, instead of being sent late. */
  ttlSeconds: number | null;
};

export type NotificationDetail = { notification: NotificationRow; deliveries: NotificationDeliveryRow[] };

export type Refusal =
  | { reason: "template_not_found" }
  | { reason: "template_archived" }
  | { reason: "missing_variables"; names: string[] }
  | { reason: "recipient_not_found" };

export type Prepared = { template: EffectiveTemplate; customerId: string | null };

/**
 * What a notification needs before anything is written: an active template for the code, every
 * required variable in the data, and a recipient the tenant has. Reads only.
 */
export async function prepareNotification(
  db: Database,
  tenantId: string,
  input: NewNotification,
): Promise<{ ok: true; prepared: Prepared } | ({ ok: false } & Refusal)> {
  const [template, recipient] = await Promise.all([
    findEffectiveTemplate(db, tenantId, input.templateCode),
    contactPointsOf(db, tenantId, { type: input.recipientType, id: input.recipientId }),
  ]);
  if (!template) return { ok: false, reason: "template_not_found" };
  if (template.row.status !== "active") return { ok: false, reason: "template_archived" };
  const { missing } = checkData(template.version.variables, input.templateData);
  if (missing.length > 0) return { ok: false, reason: "missing_variables", names: missing };
  if (!recipient) return { ok: false, reason: "recipient_not_found" };
  return { ok: true, prepared: { template, customerId: recipient.customerId } };
}

/**
 * Writes the notification, one pending delivery per channel and notification.created, in the
 * caller's transaction. The template version is pinned: retries and scheduled sends render what
 * the caller was shown. Card numbers in the data are masked before storage (and so in the message).
 */
export async function writeNotification(
  tx: Tx,
  tenantId: string,
  actor: Actor,
  input: NewNotification,
  prepared: Prepared,
  now: Date,
): Promise<NotificationDetail> {
  const dueAt = input.scheduleAt && input.scheduleAt > now ? input.scheduleAt : now;
  const channels = [...new Set(input.channels)];
  const [notification] = await tx
    .insert(notifications)
    .values({
      id: newId("notification"),
      tenantId,
      recipientType: input.recipientType,
      recipientId: input.recipientId,
      customerId: prepared.customerId,
      channels,
      templateCode: input.templateCode,
      templateId: prepared.template.row.id,
      templateVersion: prepared.template.version.version,
      templateData: maskCardNumbersDeep(input.templateData),
      priority: input.priority,
      scheduleAt: input.scheduleAt,
      expiresAt: input.ttlSeconds === null ? null : new Date(dueAt.getTime() + input.ttlSeconds * 1000),
      createdBy: actor.id ?? null,
      createdAt: now,
      updatedAt: now,
    })
    .returning();
  if (!notification) throw new Error("notification insert returned no row");
  const deliveries = await tx
    .insert(notificationDeliveries)
    .values(
      channels.map((channel) => ({
        id: newId("notificationDelivery"),
        tenantId,
        notificationId: notification.id,
        channel,
        dueAt,
        createdAt: now,
        updatedAt: now,
      })),
    )
    .returning();
  await recordNotificationEvent(tx, notification, eventTypes.notificationCreated, actor, {
    channels,
    priority: notification.priority,
    deliveryIds: deliveries.map((d) => d.id),
    ...(input.scheduleAt ? { scheduleAt: input.scheduleAt.toISOString() } : {}),
  });
  return { notification, deliveries };
}
