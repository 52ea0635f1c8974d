import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { requireScope } from "../auth/middleware.js";
import { actorOf, principalOf } from "../auth/principal.js";
import type { Database } from "../db/client.js";
import { AppError, errors } from "../errors.js";
import type { HubEnv } from "../http/env.js";
import { errorResponses, json, apiKeySecurity as security } from "../http/openapiParts.js";
import { paginationOf, paginationQuery, paginationSchema } from "../http/pagination.js";
import type { Keyring } from "../secrets/keyring.js";
import type { WebhookDestinationPolicy } from "../webhooks/resolvedDestination.js";
import {
  customerReference,
  subscribeBody,
  subscriptionIdParam,
  subscriptionSchema,
  subscriptionView,
} from "./schemas.js";
import { listSubscriptions, removeSubscription, subscribe } from "./service.js";

const tags = ["Notifications"];
const base = "/api/v1/omni/push-subscriptions";
const one = { content: json(z.object({ data: subscriptionSchema })) };

const routes = {
  subscribe: createRoute({
    method: "post",
    path: base,
    tags,
    security,
    middleware: [requireScope("omni:write")],
    summary: "Store a customer's browser push subscription (scope omni:write)",
    description:
      "The tenant's web app forwards what PushManager.subscribe() gave the browser (subscribed with the tenant's VAPID public key). The endpoint is stored encrypted and never shown again; it must be public (https in production). The same endpoint again updates its subscription (200).",
    request: { body: { required: true, content: json(subscribeBody) } },
    responses: {
      200: { description: "Already stored: updated", ...one },
      201: { description: "Stored", ...one },
      ...errorResponses("v1", [400, 401, 403, 503]),
    },
  }),
  list: createRoute({
    method: "get",
    path: base,
    tags,
    security,
    middleware: [requireScope("omni:read")],
    summary: "A customer's browser push subscriptions (scope omni:read)",
    request: {
      query: paginationQuery({ perPage: 20, maxPerPage: 100 }).extend({ customerId: customerReference }),
    },
    responses: {
      200: {
        description: "A page of subscriptions",
        content: json(z.object({ data: z.array(subscriptionSchema), pagination: paginationSchema })),
      },
      ...errorResponses("v1", [400, 401, 403]),
    },
  }),
  remove: createRoute({
    method: "delete",
    path: `${base}/{subscriptionId}`,
    tags,
    security,
    middleware: [requireScope("omni:write")],
    summary:
      "Remove a browser push subscription, e.g. when the customer turns notifications off (scope omni:write)",
    request: { params: subscriptionIdParam },
    responses: { 204: { description: "Removed" }, ...errorResponses("v1", [401, 403, 404]) },
  }),
};

export type PushSubscriptionRouteDeps = {
  db: Database;
  keys: Keyring | undefined;
  policy: WebhookDestinationPolicy;
};

/** Customers' browsers' push subscriptions, under the Rail's notifications (/api/v1/omni). */
export function registerPushSubscriptionRoutes(
  app: OpenAPIHono<HubEnv>,
  deps: PushSubscriptionRouteDeps,
): void {
  const { db } = deps;

  app.openapi(routes.subscribe, async (c) => {
    const principal = principalOf(c);
    const body = c.req.valid("json");
    const result = await subscribe(
      db,
      deps,
      principal.tenantId,
      body.customerId,
      body.subscription,
      actorOf(principal),
    );
    if (!result.ok) {
      if (result.reason === "no_secret_keys")
        throw new AppError(
          "SERVICE_UNAVAILABLE",
          "Push subscriptions cannot be stored: CHANNEL_SECRET_KEYS is not configured",
        );
      throw errors.validation({ [result.field]: result.message });
    }
    return c.json({ data: subscriptionView(result.subscription) }, result.created ? 201 : 200);
  });

  app.openapi(routes.list, async (c) => {
    const { customerId, ...page } = c.req.valid("query");
    const { items, total } = await listSubscriptions(db, principalOf(c).tenantId, customerId, page);
    return c.json({ data: items.map(subscriptionView), pagination: paginationOf(page, total) }, 200);
  });

  app.openapi(routes.remove, async (c) => {
    const principal = principalOf(c);
    const removed = await removeSubscription(
      db,
      principal.tenantId,
      c.req.valid("param").subscriptionId,
      actorOf(principal),
      "unsubscribed",
    );
    if (!removed) throw errors.notFound("Push subscription not found");
    return c.body(null, 204);
  });
}
