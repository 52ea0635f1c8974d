import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { requireScope } from "../auth/middleware.js";
import { principalOf } from "../auth/principal.js";
import { errors } from "../errors.js";
import type { HubEnv } from "../http/env.js";
import { errorResponses, json, apiKeySecurity as security } from "../http/openapiParts.js";
import { paginationOf, paginationQuery, paginationSchema } from "../http/pagination.js";
import { listAttempts, listDeliveries, replayFailed, retryDelivery } from "./deliveries.js";
import { getEndpoint } from "./endpoints.js";
import type { WebhookRouteDeps } from "./routes.js";
import {
  attemptSchema,
  attemptView,
  deliveryIdParam,
  deliveryQuery,
  deliverySchema,
  deliveryView,
  endpointIdParam,
} from "./schemas.js";
import { tenantWebhookSecret } from "./tenantSecret.js";

const tags = ["Webhooks"];
const read = requireScope("webhooks:read");
const write = requireScope("webhooks:write");

const routes = {
  list: createRoute({
    method: "get",
    path: "/api/v1/webhooks/deliveries",
    tags,
    security,
    middleware: [read],
    summary: "List webhook deliveries by endpoint, event and status, newest first (scope webhooks:read)",
    request: { query: paginationQuery({ perPage: 20, maxPerPage: 100 }).extend(deliveryQuery.shape) },
    responses: {
      200: {
        description: "A page of deliveries",
        content: json(z.object({ data: z.array(deliverySchema), pagination: paginationSchema })),
      },
      ...errorResponses("v1", [400, 401, 403]),
    },
  }),
  attempts: createRoute({
    method: "get",
    path: "/api/v1/webhooks/deliveries/{deliveryId}/attempts",
    tags,
    security,
    middleware: [read],
    summary: "Every attempt of one delivery, oldest first (scope webhooks:read)",
    request: { params: deliveryIdParam },
    responses: {
      200: { description: "Its attempts", content: json(z.object({ data: z.array(attemptSchema) })) },
      ...errorResponses("v1", [401, 403, 404]),
    },
  }),
  retry: createRoute({
    method: "post",
    path: "/api/v1/webhooks/deliveries/{deliveryId}/retry",
    tags,
    security,
    middleware: [write],
    summary: "Attempt a pending or failed delivery now (scope webhooks:write); a succeeded one is 409",
    request: { params: deliveryIdParam },
    responses: {
      202: { description: "Queued", content: json(z.object({ data: z.object({ id: z.string() }) })) },
      ...errorResponses("v1", [401, 403, 404, 409]),
    },
  }),
  replay: createRoute({
    method: "post",
    path: "/api/v1/webhooks/endpoints/{endpointId}/replay",
    tags,
    security,
    middleware: [write],
    summary: "Attempt again every failed delivery of an endpoint created since a time (scope webhooks:write)",
    request: {
      params: endpointIdParam,
      body: {
        required: true,
        content: json(z.object({ since: z.iso.datetime({ offset: true }) }).openapi("WebhookReplay")),
      },
    },
    responses: {
      202: {
        description: "How many were queued",
        content: json(z.object({ data: z.object({ requeued: z.number().int() }) })),
      },
      ...errorResponses("v1", [400, 401, 403, 404]),
    },
  }),
  ticketSecret: createRoute({
    method: "get",
    path: "/api/v1/webhooks/ticket-secret",
    tags,
    security,
    middleware: [write],
    summary: "The secret that signs deliveries to tickets' own integration.webhookUrl (scope webhooks:write)",
    responses: {
      200: {
        description: "The tenant's ticket webhook secret",
        content: json(z.object({ data: z.object({ secret: z.string() }) })),
      },
      ...errorResponses("v1", [401, 403]),
    },
  }),
};

export function registerDeliveryRoutes(app: OpenAPIHono<HubEnv>, deps: WebhookRouteDeps): void {
  const { db } = deps;
  app.openapi(routes.list, async (c) => {
    const { page, perPage, ...filter } = c.req.valid("query");
    const { items, total } = await listDeliveries(db, principalOf(c).tenantId, filter, { page, perPage });
    return c.json({ data: items.map(deliveryView), pagination: paginationOf({ page, perPage }, total) }, 200);
  });
  app.openapi(routes.attempts, async (c) => {
    const attempts = await listAttempts(db, principalOf(c).tenantId, c.req.valid("param").deliveryId);
    if (!attempts) throw errors.notFound("Webhook delivery not found");
    return c.json({ data: attempts.map(attemptView) }, 200);
  });
  app.openapi(routes.retry, async (c) => {
    const result = await retryDelivery(db, principalOf(c).tenantId, c.req.valid("param").deliveryId);
    if (!result.ok) {
      if (result.reason === "not_found") throw errors.notFound("Webhook delivery not found");
      throw errors.conflict("The delivery has succeeded: it is never sent twice");
    }
    await deps.requeue([result.delivery]);
    return c.json({ data: { id: result.delivery.deliveryId } }, 202);
  });
  app.openapi(routes.replay, async (c) => {
    const tenantId = principalOf(c).tenantId;
    const { endpointId } = c.req.valid("param");
    if (!(await getEndpoint(db, tenantId, endpointId))) throw errors.notFound("Webhook endpoint not found");
    const replayed = await replayFailed(db, tenantId, endpointId, new Date(c.req.valid("json").since));
    await deps.requeue(replayed);
    return c.json({ data: { requeued: replayed.length } }, 202);
  });
  app.openapi(routes.ticketSecret, async (c) => {
    const secret = await tenantWebhookSecret(db, deps.secretKeys, principalOf(c).tenantId);
    return c.json({ data: { secret } }, 200);
  });
}
