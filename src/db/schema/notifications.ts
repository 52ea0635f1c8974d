import { sql } from "drizzle-orm";
import {
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import type {
  NotificationChannel,
  NotificationDeliveryStatus,
  NotificationPriority,
  RecipientType,
} from "../../notifications/vocabulary.js";
import { tenants } from "./tenants.js";

const at = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

/**
 * A notification as the Rail's API creates it: one recipient, a template and its data, the
 * channels asked for. What happens on each channel is a row of notification_deliveries.
 */
export const notifications = pgTable(
  "notifications",
  {
    id: text("id").primaryKey(),
    // No foreign key, as on tickets and events: every insert would share-lock the tenant row.
    tenantId: text("tenant_id").notNull(),
    recipientType: text("recipient_type").$type<RecipientType>().notNull(),
    recipientId: text("recipient_id").notNull(),
    /** The customer it is for, when the recipient is one: its events go on that customer's timeline. */
    customerId: text("customer_id"),
    channels: text("channels").array().$type<NotificationChannel[]>().notNull(),
    templateCode: text("template_code").notNull(),
    templateId: text("template_id").notNull(),
    templateVersion: integer("template_version").notNull(),
    /** What the caller sent, card numbers masked; rendered for each channel when it is sent. */
    templateData: jsonb("template_data").$type<Record<string, unknown>>().notNull(),
    priority: text("priority").$type<NotificationPriority>().notNull().default("normal"),
    scheduleAt: at("schedule_at"),
    /** Past this, an undelivered message is expired instead of sent late (an OTP after 5 minutes). */
    expiresAt: at("expires_at"),
    readAt: at("read_at"),
    /** The API key that asked for it, when one did. */
    createdBy: text("created_by"),
    createdAt: at("created_at").notNull().defaultNow(),
    updatedAt: at("updated_at").notNull().defaultNow(),
  },
  (t) => [
    index("notifications_tenant_created_idx").on(t.tenantId, t.createdAt.desc()),
    index("notifications_recipient_idx").on(t.tenantId, t.recipientId, t.createdAt.desc()),
  ],
);

/**
 * One row per (notification, channel): the delivery's state, and the memo that keeps a retry from
 * sending twice (a send is recorded here before anything else may happen to the row). Jobs in
 * Redis carry only its id; the sweeper re-enqueues due rows whose job Redis lost.
 */
export const notificationDeliveries = pgTable(
  "notification_deliveries",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    notificationId: text("notification_id")
      .notNull()
      .references(() => notifications.id, { onDelete: "cascade" }),
    channel: text("channel").$type<NotificationChannel>().notNull(),
    status: text("status").$type<NotificationDeliveryStatus>().notNull().default("pending"),
    /** Why it failed, expired or was skipped (personal data scrubbed). */
    reason: text("reason"),
    /** Attempts that reached the send step (a claim); transient failures retry up to a limit. */
    attemptCount: integer("attempt_count").notNull().default(0),
    /** Not sent before this (the notification's scheduleAt), and due for the sweeper from then. */
    dueAt: at("due_at").notNull().defaultNow(),
    /** A worker sending this delivery holds it until then, so two workers never send it at once. */
    lockedUntil: at("locked_until"),
    /**
     * The notification's time-to-live, copied here when the delivery is created (a notification's
     * never changes), so that the sweeper finds the pending deliveries past theirs by an index of
     * those alone instead of reading every pending delivery's notification.
     */
    expiresAt: at("expires_at"),
    /** The delivery whose failure this one replaces (a tenant's fallback rule). */
    fallbackFrom: text("fallback_from"),
    locale: text("locale"),
    provider: text("provider"),
    /** The provider's id of the message: delivery receipts name it. */
    externalId: text("external_id"),
    /** What was stored for the recipient (in_app only: the other channels' content is not kept). */
    content: jsonb("content").$type<Record<string, string>>(),
    sentAt: at("sent_at"),
    deliveredAt: at("delivered_at"),
    completedAt: at("completed_at"),
    createdAt: at("created_at").notNull().defaultNow(),
    updatedAt: at("updated_at").notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("notification_deliveries_channel_key").on(t.notificationId, t.channel),
    // The sweeper's work list: pending rows by due time.
    index("notification_deliveries_due_idx").on(t.dueAt).where(sql`${t.status} = 'pending'`),
    // The sweeper's expiry list: pending rows that have a time-to-live, by when it ends. Its predicate
    // says pending as the sweeper's read does (src/db/checkedOnRow.ts), not as the due index does:
    // a read saying `status = 'pending'` may be planned through the due index instead, and with
    // statistics from before a campaign it was, filtering every pending delivery for the few expired.
    index("notification_deliveries_expiry_idx")
      .on(t.expiresAt)
      .where(sql`${t.status} IS NOT DISTINCT FROM 'pending' AND ${t.expiresAt} IS NOT NULL`),
    index("notification_deliveries_external_idx")
      .on(t.tenantId, t.channel, t.externalId)
      .where(sql`${t.externalId} IS NOT NULL`),
  ],
);

/**
 * Provider receipts (delivered, failed...) as they arrived. A receipt can arrive before the send
 * call that produced its external id has returned: it waits here, and the send's record applies it.
 */
export const notificationReceipts = pgTable(
  "notification_receipts",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    tenantId: text("tenant_id").notNull(),
    channel: text("channel").$type<NotificationChannel>().notNull(),
    externalId: text("external_id").notNull(),
    status: text("status").$type<NotificationDeliveryStatus>().notNull(),
    reason: text("reason"),
    occurredAt: at("occurred_at").notNull(),
    receivedAt: at("received_at").notNull().defaultNow(),
    /** The delivery it was applied to; null while no delivery has its external id yet. */
    deliveryId: text("delivery_id"),
  },
  (t) => [
    index("notification_receipts_unapplied_idx")
      .on(t.tenantId, t.channel, t.externalId)
      .where(sql`${t.deliveryId} IS NULL`),
  ],
);

/** A tenant's fallback rules: when a delivery on `from` fails, send the notification on `to`. */
export const notificationFallbacks = pgTable(
  "notification_fallbacks",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    fromChannel: text("from_channel").$type<NotificationChannel>().notNull(),
    toChannel: text("to_channel").$type<NotificationChannel>().notNull(),
    updatedAt: at("updated_at").notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.fromChannel] })],
);

/**
 * A tenant's notification triggers: when a domain event of the trigger's kind is relayed (a ticket
 * opened, its status changed), the event's customer is sent the template on the channels. Keyed by
 * trigger: one rule per kind of event, with the template and channels it sends.
 */
export const notificationTriggers = pgTable(
  "notification_triggers",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    trigger: text("trigger").notNull(),
    templateCode: text("template_code").notNull(),
    channels: text("channels").array().$type<NotificationChannel[]>().notNull(),
    priority: text("priority").$type<NotificationPriority>().notNull(),
    enabled: boolean("enabled").notNull().default(true),
    createdAt: at("created_at").notNull().defaultNow(),
    updatedAt: at("updated_at").notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.trigger] })],
);

export type NotificationRow = typeof notifications.$inferSelect;
export type NotificationDeliveryRow = typeof notificationDeliveries.$inferSelect;
export type NotificationReceiptRow = typeof notificationReceipts.$inferSelect;
export type NotificationFallbackRow = typeof notificationFallbacks.$inferSelect;
export type NotificationTriggerRow = typeof notificationTriggers.$inferSelect;
