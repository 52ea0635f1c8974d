import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { principalOf } from "../auth/principal.js";
import type { Database } from "../db/client.js";
import type { HubEnv } from "../http/env.js";
import { apiKeySecurity, errorResponses, json } from "../http/openapiParts.js";
import { railReadScope, railTags, railWriteScope } from "./railParts.js";
import { templateRefused } from "./refusals.js";
import {
  createTemplateBody,
  editTemplateBody,
  templateIdParam,
  templateListQuery,
  templateSchema,
  templateStatusBody,
} from "./templateSchemas.js";
import {
  changeTemplateStatus,
  createTemplate,
  editTemplate,
  findTemplate,
  listTemplates,
  type TemplateResult,
} from "./templates/service.js";
import { templateView } from "./templateViews.js";

const one = (description: string) => ({ description, content: json(z.object({ data: templateSchema })) });

const listRoute = createRoute({
  method: "get",
  path: "/api/v1/omni/templates",
  tags: railTags.templates,
  security: apiKeySecurity,
  middleware: [railReadScope],
  summary: "List the tenant's journey templates (scope omni:read)",
  request: { query: templateListQuery },
  responses: {
    200: { description: "The templates", content: json(z.object({ data: z.array(templateSchema) })) },
    ...errorResponses("v1", [400, 401, 403, 429]),
  },
});

const createRouteDef = createRoute({
  method: "post",
  path: "/api/v1/omni/templates",
  tags: railTags.templates,
  security: apiKeySecurity,
  middleware: [railWriteScope],
  summary: "Create a journey template, as a draft (scope omni:write)",
  request: { body: { required: true, content: json(createTemplateBody) } },
  responses: { 201: one("The draft template"), ...errorResponses("v1", [400, 401, 403, 409, 429]) },
});

const getRoute = createRoute({
  method: "get",
  path: "/api/v1/omni/templates/{id}",
  tags: railTags.templates,
  security: apiKeySecurity,
  middleware: [railReadScope],
  summary: "A journey template at its current version (scope omni:read)",
  request: { params: templateIdParam },
  responses: { 200: one("The template"), ...errorResponses("v1", [400, 401, 403, 404, 429]) },
});

const editRoute = createRoute({
  method: "put",
  path: "/api/v1/omni/templates/{id}",
  tags: railTags.templates,
  security: apiKeySecurity,
  middleware: [railWriteScope],
  summary:
    "Extension: replace a template's definition. A draft changes in place; an active template gets a new version, which new journeys start on while running ones keep theirs; archived ones are 409 (scope omni:write)",
  request: { params: templateIdParam, body: { required: true, content: json(editTemplateBody) } },
  responses: { 200: one("The template"), ...errorResponses("v1", [400, 401, 403, 404, 409, 429]) },
});

const statusRoute = createRoute({
  method: "post",
  path: "/api/v1/omni/templates/{id}/status",
  tags: railTags.templates,
  security: apiKeySecurity,
  middleware: [railWriteScope],
  summary: "Extension: draft → active → archived; any other move is 409 (scope omni:write)",
  request: { params: templateIdParam, body: { required: true, content: json(templateStatusBody) } },
  responses: { 200: one("The template"), ...errorResponses("v1", [400, 401, 403, 404, 409, 429]) },
});

function done(result: TemplateResult) {
  if (!result.ok) templateRefused(result);
  return { data: templateView(result.template) };
}

export function registerTemplateRoutes(app: OpenAPIHono<HubEnv>, db: Database): void {
  app.openapi(listRoute, async (c) => {
    const templates = await listTemplates(db, principalOf(c).tenantId, c.req.valid("query"));
    return c.json({ data: templates.map(templateView) }, 200);
  });

  app.openapi(createRouteDef, async (c) =>
    c.json(done(await createTemplate(db, principalOf(c).tenantId, c.req.valid("json"))), 201),
  );

  app.openapi(getRoute, async (c) => {
    const template = await findTemplate(db, principalOf(c).tenantId, c.req.valid("param").id);
    if (!template) templateRefused({ ok: false, reason: "not_found" });
    return c.json({ data: templateView(template) }, 200);
  });

  app.openapi(editRoute, async (c) =>
    c.json(
      done(await editTemplate(db, principalOf(c).tenantId, c.req.valid("param").id, c.req.valid("json"))),
      200,
    ),
  );

  app.openapi(statusRoute, async (c) =>
    c.json(
      done(
        await changeTemplateStatus(
          db,
          principalOf(c).tenantId,
          c.req.valid("param").id,
          c.req.valid("json").status,
        ),
      ),
      200,
    ),
  );
}
