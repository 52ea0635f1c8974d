import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { requireScope } from "../auth/middleware.js";
import { actorOf, principalOf } from "../auth/principal.js";
import { errors } from "../errors.js";
import type { HubEnv } from "../http/env.js";
import { errorResponses, json, apiKeySecurity as security } from "../http/openapiParts.js";
import { paginationOf, paginationQuery, paginationSchema } from "../http/pagination.js";
import {
  createEndpoint,
  deleteEndpoint,
  getEndpoint,
  listEndpoints,
  rotateEndpointSecret,
  sendTestEvent,
  updateEndpoint,
} from "./endpoints.js";
import type { WebhookRouteDeps } from "./routes.js";
import {
  createEndpointSchema,
  endpointIdParam,
  endpointSchema,
  endpointView,
  endpointWithSecretSchema,
  updateEndpointSchema,
} from "./schemas.js";

const tags = ["Webhooks"];
const base = "/api/v1/webhooks/endpoints";
const read = requireScope("webhooks:read");
const write = requireScope("webhooks:write");
const one = { content: json(z.object({ data: endpointSchema })) };
const withSecret = { content: json(z.object({ data: endpointWithSecretSchema })) };

const routes = {
  list: createRoute({
    method: "get",
    path: base,
    tags,
    security,
    middleware: [read],
    summary: "List webhook endpoints (scope webhooks:read)",
    request: { query: paginationQuery({ perPage: 20, maxPerPage: 100 }) },
    responses: {
      200: {
        description: "A page of endpoints",
        content: json(z.object({ data: z.array(endpointSchema), pagination: paginationSchema })),
      },
      ...errorResponses("v1", [400, 401, 403]),
    },
  }),
  create: createRoute({
    method: "post",
    path: base,
    tags,
    security,
    middleware: [write],
    summary: "Register a webhook endpoint (scope webhooks:write); its secret is in this response only",
    description:
      "The URL must be https in production and may not name or resolve to a loopback, private, link-local or metadata address unless WEBHOOK_ALLOWED_NETWORKS permits it (400 naming `url`).",
    request: { body: { required: true, content: json(createEndpointSchema) } },
    responses: { 201: { description: "Created", ...withSecret }, ...errorResponses("v1", [400, 401, 403]) },
  }),
  get: createRoute({
    method: "get",
    path: `${base}/{endpointId}`,
    tags,
    security,
    middleware: [read],
    summary: "One webhook endpoint (scope webhooks:read)",
    request: { params: endpointIdParam },
    responses: { 200: { description: "The endpoint", ...one }, ...errorResponses("v1", [401, 403, 404]) },
  }),
  update: createRoute({
    method: "patch",
    path: `${base}/{endpointId}`,
    tags,
    security,
    middleware: [write],
    summary: "Change a webhook endpoint; `enabled: true` re-enables a disabled one (scope webhooks:write)",
    request: { params: endpointIdParam, body: { required: true, content: json(updateEndpointSchema) } },
    responses: {
      200: { description: "The endpoint", ...one },
      ...errorResponses("v1", [400, 401, 403, 404]),
    },
  }),
  delete: createRoute({
    method: "delete",
    path: `${base}/{endpointId}`,
    tags,
    security,
    middleware: [write],
    summary: "Delete a webhook endpoint with its deliveries (scope webhooks:write)",
    request: { params: endpointIdParam },
    responses: { 204: { description: "Deleted" }, ...errorResponses("v1", [401, 403, 404]) },
  }),
  rotate: createRoute({
    method: "post",
    path: `${base}/{endpointId}/rotate-secret`,
    tags,
    security,
    middleware: [write],
    summary:
      "A new secret; the old one keeps signing beside it for WEBHOOK_SECRET_OVERLAP_MS (scope webhooks:write)",
    request: { params: endpointIdParam },
    responses: {
      200: { description: "The endpoint and its new secret", ...withSecret },
      ...errorResponses("v1", [401, 403, 404]),
    },
  }),
  test: createRoute({
    method: "post",
    path: `${base}/{endpointId}/test`,
    tags,
    security,
    middleware: [write],
    summary: "Send a webhook.test event to this endpoint only (scope webhooks:write)",
    request: { params: endpointIdParam },
    responses: {
      202: {
        description: "Queued",
        content: json(z.object({ data: z.object({ eventId: z.string(), deliveryId: z.string() }) })),
      },
      ...errorResponses("v1", [401, 403, 404]),
    },
  }),
};

const notFound = () => errors.notFound("Webhook endpoint not found");

export function registerEndpointRoutes(app: OpenAPIHono<HubEnv>, deps: WebhookRouteDeps): void {
  const { db, policy } = deps;
  app.openapi(routes.list, async (c) => {
    const page = c.req.valid("query");
    const { items, total } = await listEndpoints(db, principalOf(c).tenantId, page);
    return c.json({ data: items.map(endpointView), pagination: paginationOf(page, total) }, 200);
  });
  app.openapi(routes.create, async (c) => {
    const result = await createEndpoint(
      db,
      policy,
      deps.secretKeys,
      principalOf(c).tenantId,
      c.req.valid("json"),
    );
    if (!result.ok) throw errors.validation({ [result.field]: result.reason });
    return c.json({ data: { ...endpointView(result.endpoint), secret: result.secret } }, 201);
  });
  app.openapi(routes.get, async (c) => {
    const endpoint = await getEndpoint(db, principalOf(c).tenantId, c.req.valid("param").endpointId);
    if (!endpoint) throw notFound();
    return c.json({ data: endpointView(endpoint) }, 200);
  });
  app.openapi(routes.update, async (c) => {
    const { endpointId } = c.req.valid("param");
    const result = await updateEndpoint(db, policy, principalOf(c).tenantId, endpointId, c.req.valid("json"));
    if (!result.ok) throw errors.validation({ [result.field]: result.reason });
    if (!result.endpoint) throw notFound();
    return c.json({ data: endpointView(result.endpoint) }, 200);
  });
  app.openapi(routes.delete, async (c) => {
    if (!(await deleteEndpoint(db, principalOf(c).tenantId, c.req.valid("param").endpointId)))
      throw notFound();
    return c.body(null, 204);
  });
  app.openapi(routes.rotate, async (c) => {
    const { endpointId } = c.req.valid("param");
    const rotated = await rotateEndpointSecret(
      db,
      deps.secretKeys,
      principalOf(c).tenantId,
      endpointId,
      deps.secretOverlapMs,
    );
    if (!rotated) throw notFound();
    return c.json({ data: { ...endpointView(rotated.endpoint), secret: rotated.secret } }, 200);
  });
  app.openapi(routes.test, async (c) => {
    const principal = principalOf(c);
    const sent = await sendTestEvent(
      db,
      principal.tenantId,
      c.req.valid("param").endpointId,
      actorOf(principal),
    );
    if (!sent) throw notFound();
    await deps.requeue([
      { deliveryId: sent.deliveryId, destination: sent.endpointId, attemptCount: 0, batchJobId: null },
    ]);
    return c.json({ data: { eventId: sent.eventId, deliveryId: sent.deliveryId } }, 202);
  });
}
