import { z } from "@hono/zod-openapi";
import { paginationQuery, paginationSchema } from "../http/pagination.js";
import { withoutCardNumber } from "../serviceDesk/fields.js";
import { templateCode } from "../templates/schemas.js";
import {
  deliveryStatuses,
  notificationChannels,
  notificationPriorities,
  recipientTypes,
} from "./vocabulary.js";

export const notificationChannelField = z.enum(notificationChannels, {
  error: `must be one of ${notificationChannels.join(", ")}`,
});
const channel = notificationChannelField;

/** A notification's channels: one or more, none twice. */
export const notificationChannelsField = z
  .array(channel, { error: "must be a list of channels" })
  .min(1, "must name at least one channel")
  .max(notificationChannels.length, `at most ${notificationChannels.length} channels`)
  .refine((list) => new Set(list).size === list.length, "names a channel twice")
  .openapi({ example: ["push", "email"] });

export const notificationPriorityField = z
  .enum(notificationPriorities, { error: `must be one of ${notificationPriorities.join(", ")}` })
  .default("normal")
  .openapi({
    description: "A BullMQ priority lane: critical is sent before waiting normal and low ones",
  });
const status = z.enum(deliveryStatuses, { error: `must be one of ${deliveryStatuses.join(", ")}` });

const recipientId = z
  .string({ error: "is required" })
  .trim()
  .min(1, "is required")
  .max(100, "must be at most 100 characters")
  .openapi({ example: "ent_customer_456" });

export const createNotificationBody = z
  .object(
    {
      recipientId,
      recipientType: z
        .enum(recipientTypes, { error: `must be one of ${recipientTypes.join(", ")}` })
        .default("customer")
        .openapi({ example: "customer" }),
      channels: notificationChannelsField,
      templateCode,
      templateData: z
        .record(z.string(), z.unknown(), { error: "must be an object" })
        .default({})
        .openapi({
          example: { journeyName: "SME Onboarding", stepName: "Document Collection", dueDate: "2024-01-17" },
        }),
      priority: notificationPriorityField,
      scheduleAt: z.iso
        .datetime({ offset: true, error: "must be an ISO 8601 date-time, e.g. 2024-01-15T10:30:00Z" })
        .nullable()
        .default(null)
        .openapi({ description: "Sent from then on; null or absent = now" }),
      ttlSeconds: z
        .number({ error: "must be a number of seconds" })
        .int("must be whole seconds")
        .min(1, "must be at least 1")
        .max(30 * 24 * 3600, "must be at most 30 days")
        .nullable()
        .default(null)
        .openapi({
          description:
            "Extension: a message not sent within this many seconds of being due is expired instead of sent late (an OTP after 300)",
          example: 300,
        }),
    },
    { error: "must be an object" },
  )
  .openapi("CreateNotification");

export const idempotencyHeader = z.object({
  "idempotency-key": z
    .string()
    .min(1)
    .max(200)
    .refine(...withoutCardNumber("Idempotency key"))
    .optional()
    .openapi({
      description: "Retries with the same key get the first response for 48 hours and create nothing",
    }),
});

export const listNotificationsQuery = z
  .object({
    recipientId: z
      .string()
      .max(100)
      .optional()
      .openapi({ description: "Filter by recipient user or customer ID" }),
    channel: channel.optional().openapi({ description: "Notifications with a delivery on this channel" }),
    status: status.optional().openapi({ description: "Notifications with a delivery in this status" }),
    read: z
      .enum(["true", "false"], { error: "must be true or false" })
      .transform((v) => v === "true")
      .optional()
      .openapi({ description: "Filter by read status" }),
  })
  .extend(paginationQuery({ perPage: 20, maxPerPage: 100 }).shape);

export const notificationIdParam = z.object({
  id: z
    .string()
    .min(1)
    .max(100)
    .openapi({ param: { name: "id", in: "path" }, example: "ntf_01890a5dac96774bbccee302099a8057" }),
});

export const deliverySchema = z
  .object({
    id: z.string(),
    channel,
    status,
    reason: z.string().nullable().openapi({ description: "Why it failed, expired or was skipped" }),
    attempts: z.number().int(),
    locale: z.string().nullable(),
    provider: z.string().nullable(),
    providerMessageId: z.string().nullable(),
    fallbackFrom: z.string().nullable().openapi({ description: "The failed delivery this one replaces" }),
    dueAt: z.string(),
    sentAt: z.string().nullable(),
    deliveredAt: z.string().nullable(),
    completedAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi("NotificationDelivery");

export const notificationSchema = z
  .object({
    id: z.string(),
    recipientId: z.string(),
    recipientType: z.enum(recipientTypes),
    channels: z.array(channel),
    templateCode: z.string(),
    templateVersion: z.number().int(),
    templateData: z.record(z.string(), z.unknown()),
    priority: z.enum(notificationPriorities),
    scheduleAt: z.string().nullable(),
    expiresAt: z.string().nullable(),
    status: z.enum(["pending", "sent", "delivered", "failed"]).openapi({
      description: "delivered when any channel delivered, else sent, else pending, else failed",
    }),
    read: z.boolean(),
    readAt: z.string().nullable(),
    inApp: z
      .object({ title: z.string(), body: z.string(), link: z.string().optional() })
      .nullable()
      .openapi({ description: "The in-app message as stored for the recipient, once rendered" }),
    deliveries: z.array(deliverySchema),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Notification");

export const notificationEnvelope = z.object({ data: notificationSchema });
export const notificationList = z.object({ data: z.array(notificationSchema), pagination: paginationSchema });
