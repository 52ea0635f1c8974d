import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Redis } from "ioredis";
import { principalOf } from "../../auth/principal.js";
import type { Database } from "../../db/client.js";
import { errors } from "../../errors.js";
import type { HubEnv } from "../../http/env.js";
import { apiKeySecurity, errorResponses, json } from "../../http/openapiParts.js";
import { railReadScope } from "../../rail/railParts.js";
import { contactPointsOf } from "../contactPoints.js";
import { recipientTypes } from "../vocabulary.js";
import { liveSocketPath } from "./liveSockets.js";
import { mintLiveTicket } from "./tickets.js";

const body = z
  .object(
    {
      recipientId: z
        .string({ error: "is required" })
        .trim()
        .min(1, "is required")
        .max(100)
        .openapi({ example: "cus_0190..." }),
      recipientType: z
        .enum(recipientTypes, { error: `must be one of ${recipientTypes.join(", ")}` })
        .default("customer"),
    },
    { error: "must be an object" },
  )
  .openapi("LiveTicketRequest");

const ticketRoute = createRoute({
  method: "post",
  path: "/api/v1/omni/live-tickets",
  tags: ["Rail: notifications"],
  security: apiKeySecurity,
  middleware: [railReadScope],
  summary: "A one-time ticket for a recipient's live in-app WebSocket (scope omni:read)",
  description:
    "The bank's backend, having signed its customer in, asks for a ticket and gives it to the customer's browser, which opens `GET /api/v1/omni/notifications/live?ticket=...` as a WebSocket within 60 seconds. The ticket opens one socket, for that recipient only; the API key never reaches the browser. The socket receives `{type: \"notification\", id, deliveryId, title, body, link?, createdAt}` for each in-app notification stored for the recipient while it is open.",
  request: { body: { required: true, content: json(body) } },
  responses: {
    201: {
      description: "The ticket",
      content: json(
        z
          .object({ data: z.object({ ticket: z.string(), expiresAt: z.string(), path: z.string() }) })
          .openapi("LiveTicket"),
      ),
    },
    ...errorResponses("v1", [400, 401, 403, 429]),
  },
});

export function registerLiveTicketRoute(
  app: OpenAPIHono<HubEnv>,
  deps: { db: Database; redis: Redis; redisPrefix: string },
): void {
  app.openapi(ticketRoute, async (c) => {
    const tenantId = principalOf(c).tenantId;
    const { recipientId, recipientType } = c.req.valid("json");
    if (!(await contactPointsOf(deps.db, tenantId, { type: recipientType, id: recipientId })))
      throw errors.validation({ recipientId: `no ${recipientType} ${recipientId} in this tenant` });
    const { ticket, expiresAt } = await mintLiveTicket(deps.redis, deps.redisPrefix, {
      tenantId,
      recipientType,
      recipientId,
    });
    return c.json(
      { data: { ticket, expiresAt: expiresAt.toISOString(), path: `${liveSocketPath}?ticket=${ticket}` } },
      201,
    );
  });
}
