import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { actorOf, principalOf } from "../auth/principal.js";
import type { Database } from "../db/client.js";
import { errors } from "../errors.js";
import type { HubEnv } from "../http/env.js";
import { errorResponses, json } from "../http/openapiParts.js";
import { paginationOf, paginationQuery } from "../http/pagination.js";
import { notificationChannels } from "../notifications/vocabulary.js";
import { registerTemplatePreviewRoute } from "./previewRoute.js";
import { codeParam, templateRouteCommon } from "./routeParts.js";
import { templateCode, templateDefinitionSchema } from "./schemas.js";
import {
  createTemplate,
  findEffectiveTemplate,
  listEffectiveTemplates,
  setTemplateStatus,
  type TemplateResult,
  updateTemplate,
} from "./service.js";
import { registerTemplateVersionRoutes } from "./versionRoutes.js";
import { type messageTemplateSchema, templateEnvelope, templateList, templateView } from "./views.js";
import { templateStatuses } from "./vocabulary.js";

const base = "/api/v1/admin/templates";

const listQuery = z
  .object({
    status: z.enum(templateStatuses, { error: `must be one of ${templateStatuses.join(", ")}` }).optional(),
    channel: z
      .enum(notificationChannels, { error: `must be one of ${notificationChannels.join(", ")}` })
      .optional(),
    locale: z.string().max(35).optional().openapi({ example: "id" }),
  })
  .extend(paginationQuery({ perPage: 50, maxPerPage: 200 }).shape);

const common = templateRouteCommon;
const one = (description: string) => ({ description, content: json(templateEnvelope) });

const listRoute = createRoute({
  ...common,
  method: "get",
  path: base,
  summary: "The tenant's message templates: its own and the defaults it has not replaced (scope admin)",
  request: { query: listQuery },
  responses: {
    200: { description: "A page of templates", content: json(templateList) },
    ...errorResponses("v1", [400, 401, 403, 429]),
  },
});

const createRouteDef = createRoute({
  ...common,
  method: "post",
  path: base,
  summary: "Create a template for a new code (scope admin)",
  description:
    "Parts are Liquid. Every variable a part reads must be declared; a part that does not parse or uses an unknown filter is a 400 naming it. A code the defaults already have is changed with PUT.",
  request: {
    body: {
      required: true,
      content: json(templateDefinitionSchema.extend({ code: templateCode }).openapi("CreateMessageTemplate")),
    },
  },
  responses: { 201: one("The template, version 1"), ...errorResponses("v1", [400, 401, 403, 409, 429]) },
});

const getRoute = createRoute({
  ...common,
  method: "get",
  path: `${base}/{code}`,
  summary: "A template at its current version (scope admin)",
  request: { params: codeParam },
  responses: { 200: one("The template"), ...errorResponses("v1", [401, 403, 404, 429]) },
});

const updateRoute = createRoute({
  ...common,
  method: "put",
  path: `${base}/{code}`,
  summary: "Write a new version of a template (scope admin)",
  description:
    "The whole template (description, variables, variants). Each update is a new version; earlier ones stay readable under /versions. The first change to a default gives the tenant its own template: version 1 is the default as it was.",
  request: {
    params: codeParam,
    body: { required: true, content: json(templateDefinitionSchema.openapi("UpdateMessageTemplate")) },
  },
  responses: {
    200: one("The template at its new version"),
    ...errorResponses("v1", [400, 401, 403, 404, 409, 429]),
  },
});

const statusRoute = (action: "archive" | "restore") =>
  createRoute({
    ...common,
    method: "post",
    path: `${base}/{code}/${action}`,
    summary:
      action === "archive"
        ? "Archive a template: notifications naming it are refused until it is restored (scope admin)"
        : "Restore an archived template (scope admin)",
    request: { params: codeParam },
    responses: { 200: one("The template"), ...errorResponses("v1", [401, 403, 404, 429]) },
  });

/** The admin API's answer to a template change the service refused. */
export function templateRefused(result: Exclude<TemplateResult, { ok: true }>): never {
  switch (result.reason) {
    case "not_found":
      throw errors.notFound("Template not found");
    case "code_taken":
      throw errors.conflict(
        result.origin === "default"
          ? "A default template has this code; change it with PUT"
          : "The tenant already has a template with this code",
        { code: "already taken" },
      );
    case "archived":
      throw errors.conflict("An archived template does not change; restore it first", {
        code: "template is archived",
      });
    case "invalid":
      throw errors.validation(result.problems);
  }
}

function answer(result: TemplateResult): z.infer<typeof messageTemplateSchema> {
  if (!result.ok) templateRefused(result);
  return templateView(result.template);
}

/** Message templates under /api/v1/admin/templates: a tenant's admins manage what its customers receive. */
export function registerTemplateRoutes(
  app: OpenAPIHono<HubEnv>,
  deps: { db: Database; defaultLocale: string },
): void {
  const { db } = deps;
  app.openapi(listRoute, async (c) => {
    const { page, perPage, ...filter } = c.req.valid("query");
    const all = await listEffectiveTemplates(db, principalOf(c).tenantId, filter);
    const items = all.slice((page - 1) * perPage, page * perPage).map(templateView);
    return c.json({ data: items, pagination: paginationOf({ page, perPage }, all.length) }, 200);
  });

  app.openapi(createRouteDef, async (c) => {
    const { code, ...def } = c.req.valid("json");
    const principal = principalOf(c);
    return c.json(
      { data: answer(await createTemplate(db, principal.tenantId, actorOf(principal), code, def)) },
      201,
    );
  });

  app.openapi(getRoute, async (c) => {
    const found = await findEffectiveTemplate(db, principalOf(c).tenantId, c.req.valid("param").code);
    if (!found) throw errors.notFound("Template not found");
    return c.json({ data: templateView(found) }, 200);
  });

  app.openapi(updateRoute, async (c) => {
    const principal = principalOf(c);
    const { code } = c.req.valid("param");
    const result = await updateTemplate(
      db,
      principal.tenantId,
      actorOf(principal),
      code,
      c.req.valid("json"),
    );
    return c.json({ data: answer(result) }, 200);
  });

  for (const [action, status] of [
    ["archive", "archived"],
    ["restore", "active"],
  ] as const) {
    app.openapi(statusRoute(action), async (c) => {
      const principal = principalOf(c);
      const result = await setTemplateStatus(
        db,
        principal.tenantId,
        actorOf(principal),
        c.req.valid("param").code,
        status,
      );
      return c.json({ data: answer(result) }, 200);
    });
  }

  registerTemplateVersionRoutes(app, db);
  registerTemplatePreviewRoute(app, deps);
}
