import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Database } from "../db/client.js";
import type { HubEnv } from "../http/env.js";
import { adminSecurity, errorResponses, json } from "../http/openapiParts.js";
import { requireTenant, tenantParam } from "../tenants/adminPath.js";
import { serviceTypes } from "../tickets/vocabulary.js";
import { listBranches, listServices, saveBranches, saveServices } from "./service.js";

const tags = ["Admin"];
const security = adminSecurity;
const sources = ["default", "tenant"] as const;

const text = (max: number, example: string) =>
  z
    .string({ error: "is required" })
    .trim()
    .min(1, "is required")
    .max(max, `must be at most ${max} characters`)
    .openapi({ example });

const serviceEntry = z.object({
  serviceType: z.enum(serviceTypes, { error: `must be one of ${serviceTypes.join(", ")}` }),
  name: text(200, "Mobile Banking Support"),
  supportGroup: text(200, "Technical Support"),
  defaultTeam: text(200, "IT Support Team"),
});

const branchEntry = z.object({
  code: text(20, "001").regex(/^[A-Za-z0-9_-]+$/, "must be letters, digits, - or _"),
  name: text(200, "Kantor Pusat"),
});

const list = <T extends z.ZodType>(entry: T, max: number) =>
  z
    .array(entry, { error: "must be a list" })
    .min(1, "must not be empty")
    .max(max, `must have at most ${max} entries`);

/** Flags every entry whose key an earlier entry already used: one PUT names each entry once. */
function flagRepeats(ctx: z.RefinementCtx, field: string, key: string, values: readonly string[]): void {
  values.forEach((value, i) => {
    if (values.indexOf(value) < i)
      ctx.addIssue({ code: "custom", path: [field, i, key], message: "appears twice" });
  });
}

const putServicesBody = z
  .object(
    { services: list(serviceEntry, serviceTypes.length) },
    { error: 'must be an object: { "services": [...] }' },
  )
  .superRefine((b, ctx) =>
    flagRepeats(
      ctx,
      "services",
      "serviceType",
      b.services.map((s) => s.serviceType),
    ),
  )
  .openapi("PutServices");
const putBranchesBody = z
  .object({ branches: list(branchEntry, 1000) }, { error: 'must be an object: { "branches": [...] }' })
  .superRefine((b, ctx) =>
    flagRepeats(
      ctx,
      "branches",
      "code",
      b.branches.map((s) => s.code),
    ),
  )
  .openapi("PutBranches");

const effectiveServices = z.object({
  data: z.array(serviceEntry.extend({ source: z.enum(sources) }).openapi("CatalogueService")),
});
const effectiveBranches = z.object({
  data: z.array(branchEntry.extend({ source: z.enum(sources) }).openapi("CatalogueBranch")),
});

function catalogueRoutes<B extends z.ZodType, R extends z.ZodType>(resource: string, put: B, list: R) {
  const path = `/api/admin/tenants/{tenantId}/${resource}`;
  const description = `The tenant's effective ${resource}: built-in defaults overlaid by its own (source tenant)`;
  const get = createRoute({
    method: "get",
    path,
    tags,
    security,
    summary: `A tenant's ${resource}`,
    request: { params: tenantParam },
    responses: { 200: { description, content: json(list) }, ...errorResponses("v1", [401, 404]) },
  });
  const set = createRoute({
    method: "put",
    path,
    tags,
    security,
    summary: `Set ${resource} of a tenant; entries not listed keep their current value`,
    request: { params: tenantParam, body: { required: true, content: json(put) } },
    responses: { 200: { description, content: json(list) }, ...errorResponses("v1", [400, 401, 404]) },
  });
  return { get, set };
}

const servicesRoutes = catalogueRoutes("services", putServicesBody, effectiveServices);
const branchesRoutes = catalogueRoutes("branches", putBranchesBody, effectiveBranches);

/**
 * The operator's view of a tenant's service catalogue (name, support group, default team per
 * service type) and branches. New tickets take their team and group from here.
 */
export function registerCatalogueAdminRoutes(app: OpenAPIHono<HubEnv>, db: Database): void {
  const services = async (tenantId: string) => ({ data: await listServices(db, tenantId) });
  const branches = async (tenantId: string) => ({ data: await listBranches(db, tenantId) });

  app.openapi(servicesRoutes.get, async (c) => {
    return c.json(await services((await requireTenant(db, c.req.valid("param").tenantId)).id), 200);
  });

  app.openapi(servicesRoutes.set, async (c) => {
    const tenantId = (await requireTenant(db, c.req.valid("param").tenantId)).id;
    const entries = c.req.valid("json").services;
    await saveServices(db, tenantId, entries);
    return c.json(await services(tenantId), 200);
  });

  app.openapi(branchesRoutes.get, async (c) => {
    return c.json(await branches((await requireTenant(db, c.req.valid("param").tenantId)).id), 200);
  });

  app.openapi(branchesRoutes.set, async (c) => {
    const tenantId = (await requireTenant(db, c.req.valid("param").tenantId)).id;
    const entries = c.req.valid("json").branches;
    await saveBranches(db, tenantId, entries);
    return c.json(await branches(tenantId), 200);
  });
}
