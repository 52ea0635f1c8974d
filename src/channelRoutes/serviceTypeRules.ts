import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Database } from "../db/client.js";
import type { HubEnv } from "../http/env.js";
import { adminSecurity, errorResponses, json } from "../http/openapiParts.js";
import { loadRuleSet, resetRuleSet, saveRuleSet } from "../inbound/serviceTypeRuleStore.js";
import { requireTenant, tenantParam } from "../tenants/adminPath.js";
import { serviceTypes } from "../tickets/vocabulary.js";

const tags = ["Admin"];
const path = "/api/admin/tenants/{tenantId}/inbound/service-type-rules";
const serviceType = z.enum(serviceTypes, { error: `must be one of ${serviceTypes.join(", ")}` });

const keyword = z
  .string({ error: "must be a string" })
  .trim()
  .min(1, "must not be empty")
  .max(100, "must be at most 100 characters")
  .refine((k) => /[\p{L}\p{N}]/u.test(k), "must contain a letter or a digit");

const ruleSetBody = z
  .object(
    {
      rules: z
        .array(
          z.object({
            serviceType,
            keywords: z.array(keyword, { error: "must be a list" }).min(1, "must not be empty").max(200),
          }),
          { error: "must be a list" },
        )
        .max(50, "must have at most 50 rules"),
      fallback: serviceType.openapi({ description: "The service type when no rule matches" }),
    },
    { error: 'must be an object: { "rules": [...], "fallback": "..." }' },
  )
  .openapi("ServiceTypeRuleSet", {
    example: {
      rules: [
        { serviceType: "CLAIM", keywords: ["klaim", "saldo terpotong", "uang tidak keluar"] },
        { serviceType: "MOBILE_BANKING", keywords: ["tidak bisa login", "mobile banking"] },
      ],
      fallback: "GENERAL_REQUEST",
    },
  });

const effective = z.object({
  data: ruleSetBody.extend({
    source: z.enum(["default", "tenant"]).openapi({ description: "default: the built-in rules" }),
  }),
});
const answer = { description: "The tenant's effective rules", content: json(effective) };

const getRoute = createRoute({
  method: "get",
  path,
  tags,
  security: adminSecurity,
  summary: "The keyword rules that give new inbound tickets their service type",
  request: { params: tenantParam },
  responses: { 200: answer, ...errorResponses("v1", [401, 404]) },
});

const putRoute = createRoute({
  method: "put",
  path,
  tags,
  security: adminSecurity,
  summary:
    "Replace a tenant's keyword rules (tried in order; the first rule with a keyword in the text wins)",
  request: { params: tenantParam, body: { required: true, content: json(ruleSetBody) } },
  responses: { 200: answer, ...errorResponses("v1", [400, 401, 404]) },
});

const deleteRoute = createRoute({
  method: "delete",
  path,
  tags,
  security: adminSecurity,
  summary: "Return a tenant to the built-in keyword rules",
  request: { params: tenantParam },
  responses: { 200: answer, ...errorResponses("v1", [401, 404]) },
});

/**
 * The operator's view of how a tenant's inbound messages are sorted into service types: Indonesian
 * and English keywords by default, replaceable per tenant. New tickets read them within 30 s.
 */
export function registerServiceTypeRuleRoutes(app: OpenAPIHono<HubEnv>, db: Database): void {
  const effectiveOf = async (tenantId: string) => {
    const set = await loadRuleSet(db, tenantId);
    const rules = set.rules.map((r) => ({ serviceType: r.serviceType, keywords: [...r.keywords] }));
    return { data: { rules, fallback: set.fallback, source: set.source } };
  };

  app.openapi(getRoute, async (c) => {
    const tenant = await requireTenant(db, c.req.valid("param").tenantId);
    return c.json(await effectiveOf(tenant.id), 200);
  });

  app.openapi(putRoute, async (c) => {
    const tenant = await requireTenant(db, c.req.valid("param").tenantId);
    await saveRuleSet(db, tenant.id, c.req.valid("json"));
    return c.json(await effectiveOf(tenant.id), 200);
  });

  app.openapi(deleteRoute, async (c) => {
    const tenant = await requireTenant(db, c.req.valid("param").tenantId);
    await resetRuleSet(db, tenant.id);
    return c.json(await effectiveOf(tenant.id), 200);
  });
}
