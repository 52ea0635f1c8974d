import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { requireScope } from "../auth/middleware.js";
import { actorOf, principalOf } from "../auth/principal.js";
import type { Database } from "../db/client.js";
import { errors } from "../errors.js";
import type { HubEnv } from "../http/env.js";
import { apiKeySecurity, errorResponses, json } from "../http/openapiParts.js";
import { paginationOf, paginationQuery, paginationSchema } from "../http/pagination.js";
import {
  checkRateLimitGrant,
  type MintingPolicy,
  type MintingRefusal,
  tenantMintedKey,
} from "./mintingRules.js";
import {
  apiKeySchema,
  apiKeyView,
  createdApiKeySchema,
  createdApiKeyView,
  keyIdParam,
  newApiKeyFields,
  updateApiKeySchema,
} from "./schemas.js";
import { createApiKey, listApiKeys, revokeApiKey, updateApiKey } from "./service.js";

const security = apiKeySecurity;
const tags = ["API keys"];
const adminScope = requireScope("admin");

const meRoute = createRoute({
  method: "get",
  path: "/api/v1/me",
  tags,
  security,
  summary: "The calling key: its tenant and scopes",
  responses: {
    200: {
      description: "The authenticated key",
      content: json(
        z.object({
          data: z.object({ tenantId: z.string(), keyId: z.string(), scopes: z.array(z.string()) }),
        }),
      ),
    },
    ...errorResponses("v1", [401]),
  },
});

const listRoute = createRoute({
  method: "get",
  path: "/api/v1/api-keys",
  tags,
  security,
  middleware: [adminScope],
  summary: "List the calling tenant's API keys (scope admin)",
  request: { query: paginationQuery({ perPage: 20, maxPerPage: 100 }) },
  responses: {
    200: {
      description: "A page of keys",
      content: json(z.object({ data: z.array(apiKeySchema), pagination: paginationSchema })),
    },
    ...errorResponses("v1", [400, 401, 403]),
  },
});

const createKeyRoute = createRoute({
  method: "post",
  path: "/api/v1/api-keys",
  tags,
  security,
  middleware: [adminScope],
  summary: "Create an API key for the calling tenant (scope admin); the key is in this response only",
  description:
    "The new key may not hold more than the calling key: only scopes it holds (403 naming `scopes`), a rate limit no higher than its own (403 naming `rateLimitPerMinute`; absent = the calling key's), and an expiry at most TENANT_KEY_MAX_DAYS ahead and not after its own (400 naming `expiresAt`; absent = that latest date).",
  request: { body: { required: true, content: json(z.object(newApiKeyFields).openapi("CreateApiKey")) } },
  responses: {
    201: { description: "Created", content: json(z.object({ data: createdApiKeySchema })) },
    ...errorResponses("v1", [400, 401, 403]),
  },
});

const updateRoute = createRoute({
  method: "patch",
  path: "/api/v1/api-keys/{keyId}",
  tags,
  security,
  middleware: [adminScope],
  summary: "Rename one of the calling tenant's API keys or change its rate limit (scope admin)",
  description:
    "`rateLimitPerMinute` may not exceed the calling key's own limit (403 naming it); null = the hub's default.",
  request: { params: keyIdParam, body: { required: true, content: json(updateApiKeySchema) } },
  responses: {
    200: { description: "The updated key", content: json(z.object({ data: apiKeySchema })) },
    ...errorResponses("v1", [400, 401, 403, 404]),
  },
});

const revokeRoute = createRoute({
  method: "delete",
  path: "/api/v1/api-keys/{keyId}",
  tags,
  security,
  middleware: [adminScope],
  summary: "Revoke one of the calling tenant's API keys (scope admin)",
  request: { params: keyIdParam },
  responses: {
    200: { description: "The revoked key", content: json(z.object({ data: apiKeySchema })) },
    ...errorResponses("v1", [401, 403, 404]),
  },
});

function refused(refusal: MintingRefusal): Error {
  const fields = { [refusal.field]: refusal.message };
  return refusal.kind === "forbidden"
    ? errors.forbidden("The API key may not grant more than it holds", fields)
    : errors.validation(fields);
}

/** A tenant managing its own keys. Every query is bound to the calling key's tenant. */
export function registerApiKeyRoutes(app: OpenAPIHono<HubEnv>, db: Database, policy: MintingPolicy): void {
  app.openapi(meRoute, (c) => {
    const p = principalOf(c);
    return c.json({ data: { tenantId: p.tenantId, keyId: p.keyId, scopes: [...p.scopes] } }, 200);
  });

  app.openapi(listRoute, async (c) => {
    const page = c.req.valid("query");
    const { items, total } = await listApiKeys(db, principalOf(c).tenantId, page);
    return c.json({ data: items.map(apiKeyView), pagination: paginationOf(page, total) }, 200);
  });

  app.openapi(createKeyRoute, async (c) => {
    const body = c.req.valid("json");
    const principal = principalOf(c);
    const granted = tenantMintedKey(
      principal,
      { ...body, expiresAt: body.expiresAt ? new Date(body.expiresAt) : undefined },
      policy,
      new Date(),
    );
    if (!granted.ok) throw refused(granted);
    const result = await createApiKey(
      db,
      {
        ...body,
        tenantId: principal.tenantId,
        expiresAt: granted.expiresAt,
        rateLimitPerMinute: granted.rateLimitPerMinute,
      },
      actorOf(principal),
    );
    if (!result.ok) throw errors.unauthorized();
    return c.json({ data: createdApiKeyView(result) }, 201);
  });

  app.openapi(updateRoute, async (c) => {
    const principal = principalOf(c);
    const changes = c.req.valid("json");
    if (changes.rateLimitPerMinute !== undefined) {
      const tooFast = checkRateLimitGrant(principal, changes.rateLimitPerMinute, policy);
      if (tooFast) throw refused(tooFast);
    }
    const result = await updateApiKey(
      db,
      principal.tenantId,
      c.req.valid("param").keyId,
      changes,
      actorOf(principal),
    );
    if (!result.ok) throw errors.notFound("API key not found");
    return c.json({ data: apiKeyView(result.apiKey) }, 200);
  });

  app.openapi(revokeRoute, async (c) => {
    const principal = principalOf(c);
    const result = await revokeApiKey(db, principal.tenantId, c.req.valid("param").keyId, actorOf(principal));
    if (!result.ok) throw errors.notFound("API key not found");
    return c.json({ data: apiKeyView(result.apiKey) }, 200);
  });
}
