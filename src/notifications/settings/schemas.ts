import { z } from "@hono/zod-openapi";
import type { NotificationFallbackRow, NotificationTriggerRow } from "../../db/schema/index.js";
import { templateCode } from "../../templates/schemas.js";
import { tenantParam } from "../../tenants/adminPath.js";
import {
  notificationChannelField,
  notificationChannelsField,
  notificationPriorityField,
} from "../schemas.js";
import { notificationTriggerKinds, triggerSpecs } from "./triggerKinds.js";

export const triggerParam = tenantParam.extend({
  trigger: z
    .enum(notificationTriggerKinds, { error: `must be one of ${notificationTriggerKinds.join(", ")}` })
    .openapi({
      param: { name: "trigger", in: "path" },
      example: "ticket.created",
      description: notificationTriggerKinds.map((k) => `${k}: ${triggerSpecs[k].description}`).join("; "),
    }),
});

export const fallbackParam = tenantParam.extend({
  fromChannel: notificationChannelField.openapi({
    param: { name: "fromChannel", in: "path" },
    example: "push",
  }),
});

export const putTriggerSchema = z
  .object({
    templateCode: templateCode.optional().openapi({
      description:
        "The template sent; absent: the trigger's own (TICKET_CREATED, CLAIM_RECEIVED, TICKET_STATUS_CHANGED)",
    }),
    channels: notificationChannelsField,
    priority: notificationPriorityField,
    enabled: z.boolean({ error: "must be true or false" }).default(true),
  })
  .openapi("PutNotificationTrigger");

export const triggerSchema = z
  .object({
    trigger: z.enum(notificationTriggerKinds),
    templateCode: z.string(),
    channels: z.array(notificationChannelField),
    priority: z.string(),
    enabled: z.boolean(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("NotificationTrigger");

export const triggerView = (row: NotificationTriggerRow) => ({
  trigger: row.trigger as z.infer<typeof triggerSchema>["trigger"],
  templateCode: row.templateCode,
  channels: row.channels,
  priority: row.priority,
  enabled: row.enabled,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});

export const putFallbackSchema = z
  .object({ toChannel: notificationChannelField })
  .openapi("PutNotificationFallback");

export const fallbackSchema = z
  .object({
    fromChannel: notificationChannelField,
    toChannel: notificationChannelField,
    updatedAt: z.string(),
  })
  .openapi("NotificationFallback");

export const fallbackView = (row: NotificationFallbackRow) => ({
  fromChannel: row.fromChannel,
  toChannel: row.toChannel,
  updatedAt: row.updatedAt.toISOString(),
});
