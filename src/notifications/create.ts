import { liveCustomer } from "../customers/contactPoints.js";
import type { Database, Tx } from "../db/client.js";
import type { NotificationDeliveryRow, NotificationRow } from "../db/schema/index.js";
import { type Actor, eventTypes } from "../events/catalog.js";
import { eventInsertValues } from "../events/writer.js";
import { newId } from "../ids.js";
import { maskCardNumbersDeep } from "../privacy/cardNumbers.js";
import { checkData } from "../templates/analysis.js";
import { type EffectiveTemplate, findEffectiveTemplate, templateVersionById } from "../templates/service.js";
import { contactPointsOf } from "./contactPoints.js";
import { notificationEventPayload } from "./events.js";
import { createNotificationBatch, createNotificationStatement, readPreparation } from "./statements.js";
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
  const recipientRef = { type: input.recipientType, id: input.recipientId };
  // Under load one statement reads this for many creations; a merged customer's survivor and a
  // user are then looked up the single way.
  const read = await readPreparation(db, tenantId, recipientRef, input.templateCode);
  const [template, recipient] = read
    ? await Promise.all([
        read.template &&
          templateVersionById(db, read.template.row.id, read.template.row.currentVersion).then(
            (version) => version && { ...(read.template as NonNullable<typeof read.template>), version },
          ),
        read.customer && !read.customer.mergedInto
          ? { customerId: read.customer.id }
          : recipientOf(db, tenantId, recipientRef),
      ])
    : await Promise.all([
        findEffectiveTemplate(db, tenantId, input.templateCode),
        recipientOf(db, tenantId, recipientRef),
      ]);
  if (!template) return { ok: false, reason: "template_not_found" };
  if (template.row.status !== "active") return { ok: false, reason: "template_archived" };
  const { missing } = checkData(template.version.variables, input.templateData);
  if (missing.length > 0) return { ok: false, reason: "missing_variables", names: missing };
  if (!recipient) return { ok: false, reason: "recipient_not_found" };
  return { ok: true, prepared: { template, customerId: recipient.customerId } };
}

/**
 * The recipient's existence (and who survived a merge): a customer's addresses are read at send
 * time, so here only the customer row.
 */
async function recipientOf(
  db: Database,
  tenantId: string,
  recipient: { type: RecipientType; id: string },
): Promise<{ customerId: string | null } | undefined> {
  if (recipient.type !== "customer") return contactPointsOf(db, tenantId, recipient);
  const customer = await liveCustomer(db, tenantId, recipient.id);
  return customer && { customerId: customer.id };
}

/**
 * Writes the notification, one pending delivery per channel and notification.created: one
 * statement, so one transaction, in the caller's transaction when it passes one (idempotency). The
 * template version is pinned: retries and scheduled sends render what the caller was shown. Card
 * numbers in the data are masked before storage (and so in the message).
 */
export async function writeNotification(
  db: Database | Tx,
  tenantId: string,
  actor: Actor,
  input: NewNotification,
  prepared: Prepared,
  now: Date,
): Promise<NotificationDetail> {
  const dueAt = input.scheduleAt && input.scheduleAt > now ? input.scheduleAt : now;
  const channels = [...new Set(input.channels)];
  const notification: NotificationRow = {
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
    readAt: null,
    createdBy: actor.id ?? null,
    createdAt: now,
    updatedAt: now,
  };
  const deliveries: NotificationDeliveryRow[] = channels.map((channel) => ({
    id: newId("notificationDelivery"),
    tenantId,
    notificationId: notification.id,
    channel,
    status: "pending",
    reason: null,
    attemptCount: 0,
    dueAt,
    lockedUntil: null,
    expiresAt: notification.expiresAt,
    fallbackFrom: null,
    locale: null,
    provider: null,
    externalId: null,
    content: null,
    sentAt: null,
    deliveredAt: null,
    completedAt: null,
    createdAt: now,
    updatedAt: now,
  }));
  const values = {
    n: {
      id: notification.id,
      tenant: tenantId,
      recipient_type: notification.recipientType,
      recipient: notification.recipientId,
      customer: notification.customerId,
      channels,
      code: notification.templateCode,
      template: notification.templateId,
      version: notification.templateVersion,
      data: JSON.stringify(notification.templateData),
      priority: notification.priority,
      schedule: notification.scheduleAt?.toISOString() ?? null,
      expires: notification.expiresAt?.toISOString() ?? null,
      by: notification.createdBy,
      at: now.toISOString(),
    },
    d: { ids: deliveries.map((d) => d.id), channels, due: dueAt.toISOString() },
    te: eventInsertValues({
      tenantId,
      type: eventTypes.notificationCreated,
      subjectType: "notification",
      actor,
      occurredAt: now,
      payload: notificationEventPayload(notification, {
        channels,
        priority: notification.priority,
        deliveryIds: deliveries.map((d) => d.id),
        ...(input.scheduleAt ? { scheduleAt: input.scheduleAt.toISOString() } : {}),
      }),
    }),
  };
  // Under load with concurrent creations in one statement; in a transaction (idempotency), alone.
  const batched = createNotificationBatch(db as Database, values);
  if (!batched || !(await batched)) await createNotificationStatement(db, values);
  return { notification, deliveries };
}
