import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { principalOf } from "../auth/principal.js";
import type { Database } from "../db/client.js";
import { errors } from "../errors.js";
import type { HubEnv } from "../http/env.js";
import { errorResponses, json } from "../http/openapiParts.js";
import { codeParam, templateRouteCommon } from "./routeParts.js";
import { findTemplateVersion, listTemplateVersions } from "./service.js";
import { templateVersionView, versionEnvelope, versionList } from "./views.js";

const common = templateRouteCommon;

const listRoute = createRoute({
  ...common,
  method: "get",
  path: "/api/v1/admin/templates/{code}/versions",
  summary: "Every version of a template, newest first (scope admin)",
  request: { params: codeParam },
  responses: {
    200: { description: "The versions", content: json(versionList) },
    ...errorResponses("v1", [401, 403, 404, 429]),
  },
});

const getRoute = createRoute({
  ...common,
  method: "get",
  path: "/api/v1/admin/templates/{code}/versions/{version}",
  summary: "One version of a template (scope admin)",
  request: {
    params: codeParam.extend({
      version: z.coerce
        .number()
        .int()
        .min(1)
        .max(1_000_000)
        .openapi({ param: { name: "version", in: "path" }, example: 1 }),
    }),
  },
  responses: {
    200: { description: "The version", content: json(versionEnvelope) },
    ...errorResponses("v1", [400, 401, 403, 404, 429]),
  },
});

export function registerTemplateVersionRoutes(app: OpenAPIHono<HubEnv>, db: Database): void {
  app.openapi(listRoute, async (c) => {
    const { code } = c.req.valid("param");
    const versions = await listTemplateVersions(db, principalOf(c).tenantId, code);
    if (!versions) throw errors.notFound("Template not found");
    return c.json({ data: versions.map((v) => templateVersionView(code, v)) }, 200);
  });

  app.openapi(getRoute, async (c) => {
    const { code, version } = c.req.valid("param");
    const found = await findTemplateVersion(db, principalOf(c).tenantId, code, version);
    if (!found) throw errors.notFound("Template version not found");
    return c.json({ data: templateVersionView(code, found.version) }, 200);
  });
}
