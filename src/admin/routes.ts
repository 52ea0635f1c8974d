import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import {
  apiKeySchema,
  apiKeyView,
  createdApiKeySchema,
  createdApiKeyView,
  keyIdParam,
  newApiKeyFields,
  updateApiKeySchema,
} from "../apiKeys/schemas.js";
import { createApiKey, listApiKeys, revokeApiKey, updateApiKey } from "../apiKeys/service.js";
import type { Database } from "../db/client.js";
import { tenantStatuses } from "../db/schema/index.js";
import { errors } from "../errors.js";
import type { Actor } from "../events/catalog.js";
import type { HubEnv } from "../http/env.js";
import { adminSecurity, errorResponses, json } from "../http/openapiParts.js";
import { paginationOf, paginationQuery, paginationSchema } from "../http/pagination.js";
import { requireTenant, tenantParam } from "../tenants/adminPath.js";
import { createTenantSchema, tenantSchema, tenantSettingsFields, tenantView } from "../tenants/schemas.js";
import { createTenant, listTenants, setTenantStatus, updateTenantSettings } from "../tenants/service.js";

const adminActor: Actor = { type: "admin" };
const security = adminSecurity;
const tags = ["Admin"];

const createTenantRoute = createRoute({
  method: "post",
  path: "/api/admin/tenants",
  tags,
  security,
  summary: "Create a tenant",
  request: { body: { required: true, content: json(createTenantSchema) } },
  responses: {
    201: { description: "Created", content: json(z.object({ data: tenantSchema })) },
    ...errorResponses("v1", [400, 401, 409]),
  },
});

const listTenantsRoute = createRoute({
  method: "get",
  path: "/api/admin/tenants",
  tags,
  security,
  summary: "List tenants",
  request: { query: paginationQuery({ perPage: 20, maxPerPage: 100 }) },
  responses: {
    200: {
      description: "A page of tenants",
      content: json(z.object({ data: z.array(tenantSchema), pagination: paginationSchema })),
    },
    ...errorResponses("v1", [400, 401]),
  },
});

const getTenantRoute = createRoute({
  method: "get",
  path: "/api/admin/tenants/{tenantId}",
  tags,
  security,
  summary: "Get a tenant by id or slug",
  request: { params: tenantParam },
  responses: {
    200: { description: "The tenant", content: json(z.object({ data: tenantSchema })) },
    ...errorResponses("v1", [401, 404]),
  },
});

const updateTenantRoute = createRoute({
  method: "patch",
  path: "/api/admin/tenants/{tenantId}",
  tags,
  security,
  summary:
    "Enable or disable a tenant (a disabled tenant's keys stop working), or set its SCT07 level, phone region and web chat sites",
  request: {
    params: tenantParam,
    body: {
      required: true,
      content: json(
        z
          .object({ status: z.enum(tenantStatuses).optional(), ...tenantSettingsFields() })
          .refine((b) => Object.values(b).some((v) => v !== undefined), {
            message: "give status, level, defaultRegion or webchatOrigins",
            path: ["status"],
          })
          .openapi("UpdateTenant"),
      ),
    },
  },
  responses: {
    200: { description: "The tenant", content: json(z.object({ data: tenantSchema })) },
    ...errorResponses("v1", [400, 401, 404]),
  },
});

const createKeyRoute = createRoute({
  method: "post",
  path: "/api/admin/api-keys",
  tags,
  security,
  summary: "Create an API key for a tenant; the key is in this response only",
  request: {
    body: {
      required: true,
      content: json(
        z.object({
          tenantId: z.string().min(1).openapi({ description: "Tenant id or slug" }),
          ...newApiKeyFields,
        }),
      ),
    },
  },
  responses: {
    201: { description: "Created", content: json(z.object({ data: createdApiKeySchema })) },
    ...errorResponses("v1", [400, 401, 404]),
  },
});

const listKeysRoute = createRoute({
  method: "get",
  path: "/api/admin/api-keys",
  tags,
  security,
  summary: "List a tenant's API keys",
  request: {
    query: paginationQuery({ perPage: 20, maxPerPage: 100 }).extend({
      tenantId: z.string().min(1).openapi({ description: "Tenant id or slug" }),
    }),
  },
  responses: {
    200: {
      description: "A page of keys",
      content: json(z.object({ data: z.array(apiKeySchema), pagination: paginationSchema })),
    },
    ...errorResponses("v1", [400, 401, 404]),
  },
});

const updateKeyRoute = createRoute({
  method: "patch",
  path: "/api/admin/api-keys/{keyId}",
  tags,
  security,
  summary: "Rename an API key or set its own rate limit (null = the hub's default); it counts at once",
  request: { params: keyIdParam, body: { required: true, content: json(updateApiKeySchema) } },
  responses: {
    200: { description: "The updated key", content: json(z.object({ data: apiKeySchema })) },
    ...errorResponses("v1", [400, 401, 404]),
  },
});

const revokeKeyRoute = createRoute({
  method: "delete",
  path: "/api/admin/api-keys/{keyId}",
  tags,
  security,
  summary: "Revoke an API key (it stops working at once; revoking twice is harmless)",
  request: { params: keyIdParam },
  responses: {
    200: { description: "The revoked key", content: json(z.object({ data: apiKeySchema })) },
    ...errorResponses("v1", [401, 404]),
  },
});

/** The operator's API: tenants and their keys. Mounted behind adminAuth by the app factory. */
export function registerAdminRoutes(app: OpenAPIHono<HubEnv>, db: Database): void {
  app.openapi(createTenantRoute, async (c) => {
    const result = await createTenant(db, c.req.valid("json"), adminActor);
    if (!result.ok) throw errors.conflict("Tenant slug already taken", { slug: "already taken" });
    return c.json({ data: tenantView(result.tenant) }, 201);
  });

  app.openapi(listTenantsRoute, async (c) => {
    const page = c.req.valid("query");
    const { items, total } = await listTenants(db, page);
    return c.json({ data: items.map(tenantView), pagination: paginationOf(page, total) }, 200);
  });

  app.openapi(getTenantRoute, async (c) => {
    const tenant = await requireTenant(db, c.req.valid("param").tenantId);
    return c.json({ data: tenantView(tenant) }, 200);
  });

  app.openapi(updateTenantRoute, async (c) => {
    const tenant = await requireTenant(db, c.req.valid("param").tenantId);
    const { status, ...settings } = c.req.valid("json");
    let updated = tenant;
    if (Object.values(settings).some((v) => v !== undefined)) {
      const changed = await updateTenantSettings(db, tenant.id, settings, adminActor);
      if (!changed) throw errors.notFound("Tenant not found");
      updated = changed;
    }
    if (status !== undefined) {
      const result = await setTenantStatus(db, tenant.id, status, adminActor);
      if (!result.ok) throw errors.notFound("Tenant not found");
      updated = result.tenant;
    }
    return c.json({ data: tenantView(updated) }, 200);
  });

  app.openapi(createKeyRoute, async (c) => {
    const body = c.req.valid("json");
    const tenant = await requireTenant(db, body.tenantId);
    const result = await createApiKey(
      db,
      { ...body, tenantId: tenant.id, expiresAt: body.expiresAt ? new Date(body.expiresAt) : undefined },
      adminActor,
    );
    if (!result.ok) throw errors.notFound("Tenant not found");
    return c.json({ data: createdApiKeyView(result) }, 201);
  });

  app.openapi(listKeysRoute, async (c) => {
    const { tenantId, ...page } = c.req.valid("query");
    const tenant = await requireTenant(db, tenantId);
    const { items, total } = await listApiKeys(db, tenant.id, page);
    return c.json({ data: items.map(apiKeyView), pagination: paginationOf(page, total) }, 200);
  });

  app.openapi(updateKeyRoute, async (c) => {
    const result = await updateApiKey(
      db,
      undefined,
      c.req.valid("param").keyId,
      c.req.valid("json"),
      adminActor,
    );
    if (!result.ok) throw errors.notFound("API key not found");
    return c.json({ data: apiKeyView(result.apiKey) }, 200);
  });

  app.openapi(revokeKeyRoute, async (c) => {
    const { keyId } = c.req.valid("param");
    const result = await revokeApiKey(db, undefined, keyId, adminActor);
    if (!result.ok) throw errors.notFound("API key not found");
    return c.json({ data: apiKeyView(result.apiKey) }, 200);
  });
}
