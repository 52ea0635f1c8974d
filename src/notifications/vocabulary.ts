/**
 * The words of the notification pipeline. Stored in PostgreSQL and shown in the API: add, never
 * rename.
 */

import type { Channel } from "../../connectors/contract.js";
import { channels } from "../../connectors/contract.js";

/** Every channel a notification can go out on (document 001 names push, email, sms, in_app): the connectors' list. */
export const notificationChannels = channels;
export type NotificationChannel = Channel;

export const notificationPriorities = ["low", "normal", "high", "critical"] as const;
export type NotificationPriority = (typeof notificationPriorities)[number];

/** Who a notification is for: a customer of the tenant, or one of its users (staff). */
export const recipientTypes = ["customer", "user"] as const;
export type RecipientType = (typeof recipientTypes)[number];

/**
 * A delivery's states. pending → sent → delivered, and failed / expired / skipped, which end it;
 * a delivery never moves back (see deliveryStatusRank).
 */
export const deliveryStatuses = ["pending", "sent", "delivered", "failed", "expired", "skipped"] as const;
export type NotificationDeliveryStatus = (typeof deliveryStatuses)[number];

/**
 * How far along each status is: an update applies only when it moves to a higher rank, so a late
 * "sent" never overwrites an early "delivered" receipt, and nothing leaves an ending state.
 */
export const deliveryStatusRank: Record<NotificationDeliveryStatus, number> = {
  pending: 0,
  sent: 1,
  delivered: 2,
  failed: 2,
  expired: 2,
  skipped: 2,
};

/** The statuses document 001's list filter names, plus the two this hub adds. */
export const listableStatuses = deliveryStatuses;
