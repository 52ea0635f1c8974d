import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Database } from "../db/client.js";
import { errors } from "../errors.js";
import type { HubEnv } from "../http/env.js";
import { adminSecurity, errorResponses, json } from "../http/openapiParts.js";
import { requireTenant, tenantParam } from "../tenants/adminPath.js";
import { minutesFromHours } from "./policies.js";
import {
  deleteSlaPolicyQuery,
  effectivePolicySchema,
  effectivePolicyView,
  putSlaPoliciesSchema,
} from "./schemas.js";
import { deleteSlaRule, listEffectivePolicies, upsertSlaRules } from "./settings.js";

const tags = ["Admin"];
const security = adminSecurity;
const path = "/api/admin/tenants/{tenantId}/sla-policies";
const tableResponse = {
  description: "The tenant's effective SLA table: built-in defaults overlaid with its rules",
  content: json(z.object({ data: z.array(effectivePolicySchema) })),
};

const getRoute = createRoute({
  method: "get",
  path,
  tags,
  security,
  summary: "The SLA targets that apply to each service type and priority of a tenant",
  request: { params: tenantParam },
  responses: { 200: tableResponse, ...errorResponses("v1", [401, 404]) },
});

const putRoute = createRoute({
  method: "put",
  path,
  tags,
  security,
  summary: "Set SLA rules (hours of business time) for service types and priorities; others are kept",
  request: { params: tenantParam, body: { required: true, content: json(putSlaPoliciesSchema) } },
  responses: { 200: tableResponse, ...errorResponses("v1", [400, 401, 404]) },
});

const deleteRoute = createRoute({
  method: "delete",
  path,
  tags,
  security,
  summary: "Remove one SLA rule, so the next tier (the rule for any service type, then the default) applies",
  request: { params: tenantParam, query: deleteSlaPolicyQuery },
  responses: { 200: tableResponse, ...errorResponses("v1", [400, 401, 404]) },
});

export function registerSlaPolicyRoutes(app: OpenAPIHono<HubEnv>, db: Database): void {
  const table = async (tenantId: string) =>
    (await listEffectivePolicies(db, tenantId)).map(effectivePolicyView);

  app.openapi(getRoute, async (c) => {
    const tenantId = (await requireTenant(db, c.req.valid("param").tenantId)).id;
    return c.json({ data: await table(tenantId) }, 200);
  });

  app.openapi(putRoute, async (c) => {
    const tenantId = (await requireTenant(db, c.req.valid("param").tenantId)).id;
    const rules = c.req.valid("json").policies.map((p) => ({
      serviceType: p.serviceType ?? null,
      priority: p.priority,
      responseMinutes: minutesFromHours(p.responseHours),
      resolutionMinutes: minutesFromHours(p.resolutionHours),
    }));
    await upsertSlaRules(db, tenantId, rules);
    return c.json({ data: await table(tenantId) }, 200);
  });

  app.openapi(deleteRoute, async (c) => {
    const tenantId = (await requireTenant(db, c.req.valid("param").tenantId)).id;
    const { serviceType, priority } = c.req.valid("query");
    if (!(await deleteSlaRule(db, tenantId, serviceType ?? null, priority))) {
      throw errors.notFound("SLA rule not found");
    }
    return c.json({ data: await table(tenantId) }, 200);
  });
}
