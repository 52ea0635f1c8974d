import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { actorOf, principalOf } from "../auth/principal.js";
import type { Database } from "../db/client.js";
import { errors } from "../errors.js";
import type { HubEnv } from "../http/env.js";
import { apiKeySecurity, errorResponses, json } from "../http/openapiParts.js";
import { railReadScope, railWriteScope } from "../rail/railParts.js";
import { findNotification, markRead } from "./queries.js";
import { notificationEnvelope, notificationIdParam } from "./schemas.js";
import { notificationView } from "./views.js";

const tags = ["Rail: notifications"];
const notFound = () => errors.notFound("Notification not found");

const getRoute = createRoute({
  method: "get",
  path: "/api/v1/omni/notifications/{id}",
  tags,
  security: apiKeySecurity,
  middleware: [railReadScope],
  summary: "One notification with every delivery (scope omni:read)",
  request: { params: notificationIdParam },
  responses: {
    200: { description: "The notification", content: json(notificationEnvelope) },
    ...errorResponses("v1", [400, 401, 403, 404, 429]),
  },
});

const readStateRoute = (state: "read" | "unread") =>
  createRoute({
    method: "post",
    path: `/api/v1/omni/notifications/{id}/${state}`,
    tags,
    security: apiKeySecurity,
    middleware: [railWriteScope],
    summary: `Marks a notification ${state} for its recipient (scope omni:write)`,
    request: { params: notificationIdParam },
    responses: {
      200: { description: "The notification", content: json(notificationEnvelope) },
      ...errorResponses("v1", [400, 401, 403, 404, 429]),
    },
  });

export function registerNotificationReadRoutes(app: OpenAPIHono<HubEnv>, db: Database): void {
  app.openapi(getRoute, async (c) => {
    const found = await findNotification(db, principalOf(c).tenantId, c.req.valid("param").id);
    if (!found) throw notFound();
    return c.json({ data: notificationView(found) }, 200);
  });

  for (const state of ["read", "unread"] as const) {
    app.openapi(readStateRoute(state), async (c) => {
      const principal = principalOf(c);
      const found = await markRead(
        db,
        principal.tenantId,
        c.req.valid("param").id,
        state === "read",
        actorOf(principal),
      );
      if (!found) throw notFound();
      return c.json({ data: notificationView(found) }, 200);
    });
  }
}
