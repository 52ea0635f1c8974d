import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { principalOf } from "../auth/principal.js";
import type { Database } from "../db/client.js";
import { errors } from "../errors.js";
import type { HubEnv } from "../http/env.js";
import { apiKeySecurity, errorResponses, json } from "../http/openapiParts.js";
import { paginationOf, paginationQuery, paginationSchema } from "../http/pagination.js";
import { railReadScope, railTags } from "./railParts.js";
import { readTimeline, timelineEntityTypes } from "./timeline/service.js";

const isoDate = (example: string) =>
  z
    .union([z.iso.datetime({ offset: true }), z.iso.date()], {
      error: "must be an ISO 8601 date or date-time, e.g. 2024-01-15 or 2024-01-15T10:30:00Z",
    })
    .optional()
    .openapi({ example });

const timelineQuery = z
  .object({
    entityId: z
      .string({ error: "is required" })
      .min(1, "is required")
      .max(100, "must be at most 100 characters")
      .openapi({
        example: "ent_customer_456",
        description: "Entity ID (customer, journey, contract) - required",
      }),
    entityType: z
      .enum(timelineEntityTypes, { error: `is required: one of ${timelineEntityTypes.join(", ")}` })
      .openapi({ example: "customer" }),
    fromDate: isoDate("2024-01-01T00:00:00Z").openapi({ description: "From this instant on (inclusive)" }),
    toDate: isoDate("2024-01-31T23:59:59Z").openapi({
      description: "Up to this instant (inclusive); a date alone means its start (00:00 UTC)",
    }),
    eventTypes: z.string().max(2000, "must be at most 2000 characters").optional().openapi({
      example: "journey.created,journey.advanced",
      description: "Comma-separated event type filters",
    }),
  })
  .extend(paginationQuery({ perPage: 50, maxPerPage: 200 }).shape);

const timelineEntry = z
  .object({
    id: z.string().openapi({ example: "evt_01890a5d-ac96-774b-bcce-b302099a8057" }),
    timestamp: z.string().openapi({ example: "2024-01-15T10:30:00.000Z" }),
    eventType: z.string().openapi({ example: "journey.created" }),
    actorId: z.string().optional().openapi({ example: "usr_rm_001" }),
    actorName: z
      .string()
      .optional()
      .openapi({ example: "Ahmed Al-Rashidi", description: "When the actor is a user" }),
    channel: z.string().optional().openapi({ example: "web" }),
    summary: z.string().openapi({ example: "Journey created" }),
    metadata: z.record(z.string(), z.unknown()),
  })
  .openapi("TimelineEntry");

const timelineRoute = createRoute({
  method: "get",
  path: "/api/v1/omni/timeline",
  tags: railTags.timeline,
  security: apiKeySecurity,
  middleware: [railReadScope],
  summary: "Retrieves a unified activity timeline for an entity, newest first (scope omni:read)",
  description:
    "A customer's timeline holds the events of that customer's tickets, journeys, approvals, sessions and notifications (as far as those modules record the customer); another entity's holds its own events and those of approvals raised on it. eventType is the webhook name without `omni.`; eventTypes accepts either form.",
  request: { query: timelineQuery },
  responses: {
    200: {
      description: "A page of events",
      content: json(z.object({ data: z.array(timelineEntry), pagination: paginationSchema })),
    },
    ...errorResponses("v1", [400, 401, 403, 429]),
  },
});

export function registerTimelineRoutes(app: OpenAPIHono<HubEnv>, db: Database): void {
  app.openapi(timelineRoute, async (c) => {
    const { page, perPage, fromDate, toDate, eventTypes, ...entity } = c.req.valid("query");
    const from = fromDate ? new Date(fromDate) : undefined;
    const to = toDate ? new Date(toDate) : undefined;
    if (from && to && from > to) throw errors.validation({ toDate: "must not be before fromDate" });
    const types = eventTypes
      ?.split(",")
      .map((t) => t.trim())
      .filter((t) => t.length > 0);
    const { items, total } = await readTimeline(
      db,
      principalOf(c).tenantId,
      { ...entity, from, to, eventTypes: types },
      { page, perPage },
    );
    return c.json({ data: items, pagination: paginationOf({ page, perPage }, total) }, 200);
  });
}
