import { z } from "@hono/zod-openapi";
import {
  deliveryStatuses,
  type WebhookAttemptRow,
  type WebhookDeliveryRow,
  type WebhookEndpointRow,
} from "../db/schema/index.js";
import { eventTypePattern } from "./eventTypeFilter.js";

const iso = (d: Date | null) => d?.toISOString() ?? null;

export const endpointIdParam = z.object({
  endpointId: z
    .string()
    .openapi({ param: { name: "endpointId", in: "path" }, example: "whe_019a8f6e4b7c7d2e9f10a1b2c3d4e5f6" }),
});
export const deliveryIdParam = z.object({
  deliveryId: z
    .string()
    .openapi({ param: { name: "deliveryId", in: "path" }, example: "whd_019a8f6e4b7c7d2e9f10a1b2c3d4e5f6" }),
});

const endpointFields = {
  url: z
    .url({ protocol: /^https?$/ })
    .max(2000)
    .openapi({ example: "https://partner.example.com/hooks/switchboard" }),
  eventTypes: z
    .array(z.string().max(200).regex(eventTypePattern, "an event type, a prefix ending in .* or *"))
    .min(1)
    .max(100)
    .openapi({ example: ["TICKET_CREATED", "omni.journey.*"] }),
  description: z.string().max(500).optional().openapi({ example: "Core banking" }),
  enabled: z.boolean().optional(),
  maxConcurrency: z.number().int().min(1).max(1000).nullable().optional().openapi({
    description: "Attempts in flight to this endpoint at once; null: the hub's default",
    example: 5,
  }),
  rateLimitPerSecond: z.number().int().min(1).max(100_000).nullable().optional().openapi({
    description: "Attempts started per second to this endpoint; null: the hub's default",
    example: 20,
  }),
};

export const createEndpointSchema = z.object(endpointFields).openapi("CreateWebhookEndpoint");
export const updateEndpointSchema = z
  .object({
    ...endpointFields,
    url: endpointFields.url.optional(),
    eventTypes: endpointFields.eventTypes.optional(),
  })
  .openapi("UpdateWebhookEndpoint");

export const endpointSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    eventTypes: z.array(z.string()),
    description: z.string(),
    enabled: z.boolean(),
    disabledReason: z
      .string()
      .nullable()
      .openapi({ description: "Why the hub disabled it (410 Gone, failing too long)" }),
    failingSince: z.iso.datetime().nullable(),
    maxConcurrency: z
      .number()
      .int()
      .nullable()
      .openapi({ description: "null: WEBHOOK_ENDPOINT_MAX_CONCURRENCY applies" }),
    rateLimitPerSecond: z
      .number()
      .int()
      .nullable()
      .openapi({ description: "null: WEBHOOK_ENDPOINT_RATE_PER_SECOND applies" }),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .openapi("WebhookEndpoint");

export const endpointWithSecretSchema = endpointSchema
  .extend({
    secret: z.string().openapi({
      description: "Signs every request (both schemes). Shown on creation and rotation only.",
      example: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    }),
  })
  .openapi("WebhookEndpointWithSecret");

export function endpointView(e: WebhookEndpointRow) {
  return {
    id: e.id,
    url: e.url,
    eventTypes: e.eventTypes,
    description: e.description,
    enabled: e.enabled,
    disabledReason: e.disabledReason,
    failingSince: iso(e.failingSince),
    maxConcurrency: e.maxConcurrency,
    rateLimitPerSecond: e.rateLimitPerSecond,
    createdAt: e.createdAt.toISOString(),
    updatedAt: e.updatedAt.toISOString(),
  };
}

export const deliveryQuery = z.object({
  endpointId: z.string().max(100).optional(),
  eventId: z.string().max(100).optional(),
  status: z.enum(deliveryStatuses).optional(),
});

export const deliverySchema = z
  .object({
    id: z.string(),
    eventId: z.string(),
    eventType: z.string(),
    endpointId: z
      .string()
      .nullable()
      .openapi({ description: "null for a ticket's own integration.webhookUrl" }),
    status: z.enum(deliveryStatuses),
    attemptCount: z.number().int(),
    nextAttemptAt: z.iso
      .datetime()
      .nullable()
      .openapi({ description: "When a pending delivery is tried next" }),
    lastError: z.string().nullable(),
    createdAt: z.iso.datetime(),
    completedAt: z.iso.datetime().nullable(),
  })
  .openapi("WebhookDelivery");

export function deliveryView(d: WebhookDeliveryRow) {
  return {
    id: d.id,
    eventId: d.eventId,
    eventType: d.eventType,
    endpointId: d.endpointId,
    status: d.status,
    attemptCount: d.attemptCount,
    nextAttemptAt: d.status === "pending" ? d.nextAttemptAt.toISOString() : null,
    lastError: d.lastError,
    createdAt: d.createdAt.toISOString(),
    completedAt: iso(d.completedAt),
  };
}

export const attemptSchema = z
  .object({
    attemptedAt: z.iso.datetime(),
    statusCode: z.number().int().nullable(),
    latencyMs: z.number().int(),
    responseExcerpt: z.string().nullable().openapi({ description: "The first 1024 bytes of the answer" }),
    error: z.string().nullable(),
  })
  .openapi("WebhookAttempt");

export function attemptView(a: WebhookAttemptRow) {
  return {
    attemptedAt: a.attemptedAt.toISOString(),
    statusCode: a.statusCode,
    latencyMs: a.latencyMs,
    responseExcerpt: a.responseExcerpt,
    error: a.error,
  };
}
