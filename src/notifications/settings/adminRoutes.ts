import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Database } from "../../db/client.js";
import { errors } from "../../errors.js";
import type { Actor } from "../../events/catalog.js";
import type { HubEnv } from "../../http/env.js";
import { errorResponses, json, adminSecurity as security } from "../../http/openapiParts.js";
import { requireTenant, tenantParam } from "../../tenants/adminPath.js";
import { deleteFallback, listFallbacks, saveFallback } from "./fallbacks.js";
import {
  fallbackParam,
  fallbackSchema,
  fallbackView,
  putFallbackSchema,
  putTriggerSchema,
  triggerParam,
  triggerSchema,
  triggerView,
} from "./schemas.js";
import { deleteTrigger, listTriggers, saveTrigger } from "./triggers.js";

const tags = ["Admin"];
const adminActor: Actor = { type: "admin" };
const triggers = "/api/admin/tenants/{tenantId}/notification-triggers";
const fallbacks = "/api/admin/tenants/{tenantId}/notification-fallbacks";
const oneTrigger = { content: json(z.object({ data: triggerSchema })) };
const oneFallback = { content: json(z.object({ data: fallbackSchema })) };

const routes = {
  listTriggers: createRoute({
    method: "get",
    path: triggers,
    tags,
    security,
    summary: "A tenant's notification triggers: which domain events notify the customer",
    request: { params: tenantParam },
    responses: {
      200: { description: "The triggers", content: json(z.object({ data: z.array(triggerSchema) })) },
      ...errorResponses("v1", [401, 404]),
    },
  }),
  putTrigger: createRoute({
    method: "put",
    path: `${triggers}/{trigger}`,
    tags,
    security,
    summary:
      "Create or replace a notification trigger: the event's customer is sent the template on the channels",
    description:
      "The template must be active in the tenant and require no variable the trigger does not give (400 naming templateCode). Events a customer caused on a channel (a ticket their message opened) notify nothing: the conversation answered them.",
    request: { params: triggerParam, body: { required: true, content: json(putTriggerSchema) } },
    responses: {
      200: { description: "Replaced", ...oneTrigger },
      201: { description: "Created", ...oneTrigger },
      ...errorResponses("v1", [400, 401, 404]),
    },
  }),
  deleteTrigger: createRoute({
    method: "delete",
    path: `${triggers}/{trigger}`,
    tags,
    security,
    summary: "Delete a notification trigger",
    request: { params: triggerParam },
    responses: { 204: { description: "Deleted" }, ...errorResponses("v1", [400, 401, 404]) },
  }),
  listFallbacks: createRoute({
    method: "get",
    path: fallbacks,
    tags,
    security,
    summary: "A tenant's channel fallbacks: where a failed or skipped delivery is sent next",
    request: { params: tenantParam },
    responses: {
      200: { description: "The fallbacks", content: json(z.object({ data: z.array(fallbackSchema) })) },
      ...errorResponses("v1", [401, 404]),
    },
  }),
  putFallback: createRoute({
    method: "put",
    path: `${fallbacks}/{fromChannel}`,
    tags,
    security,
    summary: "Create or replace the fallback of a channel (push → sms): once per channel per notification",
    request: { params: fallbackParam, body: { required: true, content: json(putFallbackSchema) } },
    responses: {
      200: { description: "Replaced", ...oneFallback },
      201: { description: "Created", ...oneFallback },
      ...errorResponses("v1", [400, 401, 404]),
    },
  }),
  deleteFallback: createRoute({
    method: "delete",
    path: `${fallbacks}/{fromChannel}`,
    tags,
    security,
    summary: "Delete the fallback of a channel",
    request: { params: fallbackParam },
    responses: { 204: { description: "Deleted" }, ...errorResponses("v1", [400, 401, 404]) },
  }),
};

/** The operator's view of each tenant's notification settings. Mounted behind adminAuth. */
export function registerNotificationSettingsRoutes(app: OpenAPIHono<HubEnv>, db: Database): void {
  app.openapi(routes.listTriggers, async (c) => {
    const tenant = await requireTenant(db, c.req.valid("param").tenantId);
    return c.json({ data: (await listTriggers(db, tenant.id)).map(triggerView) }, 200);
  });

  app.openapi(routes.putTrigger, async (c) => {
    const { tenantId, trigger } = c.req.valid("param");
    const tenant = await requireTenant(db, tenantId);
    const body = c.req.valid("json");
    const result = await saveTrigger(db, { tenantId: tenant.id, trigger, ...body }, adminActor);
    if (!result.ok) throw errors.validation(result.fields);
    return c.json({ data: triggerView(result.trigger) }, result.created ? 201 : 200);
  });

  app.openapi(routes.deleteTrigger, async (c) => {
    const { tenantId, trigger } = c.req.valid("param");
    const tenant = await requireTenant(db, tenantId);
    if (!(await deleteTrigger(db, tenant.id, trigger, adminActor)))
      throw errors.notFound(`The tenant has no ${trigger} trigger`);
    return c.body(null, 204);
  });

  app.openapi(routes.listFallbacks, async (c) => {
    const tenant = await requireTenant(db, c.req.valid("param").tenantId);
    return c.json({ data: (await listFallbacks(db, tenant.id)).map(fallbackView) }, 200);
  });

  app.openapi(routes.putFallback, async (c) => {
    const { tenantId, fromChannel } = c.req.valid("param");
    const tenant = await requireTenant(db, tenantId);
    const { toChannel } = c.req.valid("json");
    const result = await saveFallback(db, tenant.id, fromChannel, toChannel, adminActor);
    if (!result.ok) throw errors.validation(result.fields);
    return c.json({ data: fallbackView(result.fallback) }, result.created ? 201 : 200);
  });

  app.openapi(routes.deleteFallback, async (c) => {
    const { tenantId, fromChannel } = c.req.valid("param");
    const tenant = await requireTenant(db, tenantId);
    if (!(await deleteFallback(db, tenant.id, fromChannel, adminActor)))
      throw errors.notFound(`The tenant has no fallback from ${fromChannel}`);
    return c.body(null, 204);
  });
}
