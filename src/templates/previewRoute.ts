import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { principalOf } from "../auth/principal.js";
import type { Database } from "../db/client.js";
import { errors } from "../errors.js";
import type { HubEnv } from "../http/env.js";
import { errorResponses, json } from "../http/openapiParts.js";
import { previewTemplate } from "./preview.js";
import { codeParam, templateRouteCommon } from "./routeParts.js";
import { findEffectiveTemplate, findTemplateVersion } from "./service.js";
import { previewBody, previewSchema } from "./views.js";

const previewRoute = createRoute({
  ...templateRouteCommon,
  method: "post",
  path: "/api/v1/admin/templates/{code}/preview",
  summary: "Render a template with data, as the customer would receive it (scope admin)",
  description:
    "Reports required variables the data lacks (sending would fail) and keys the template does not declare. An SMS preview reports its encoding (GSM-7 or UCS-2) and how many segments it is sent in.",
  request: { params: codeParam, body: { required: true, content: json(previewBody) } },
  responses: {
    200: { description: "The rendered message", content: json(z.object({ data: previewSchema })) },
    ...errorResponses("v1", [400, 401, 403, 404, 429]),
  },
});

export function registerTemplatePreviewRoute(
  app: OpenAPIHono<HubEnv>,
  deps: { db: Database; defaultLocale: string },
): void {
  app.openapi(previewRoute, async (c) => {
    const tenantId = principalOf(c).tenantId;
    const { code } = c.req.valid("param");
    const body = c.req.valid("json");
    const template =
      body.version === undefined
        ? await findEffectiveTemplate(deps.db, tenantId, code)
        : await findTemplateVersion(deps.db, tenantId, code, body.version);
    if (!template)
      throw errors.notFound(body.version === undefined ? "Template not found" : "Template version not found");
    const preview = previewTemplate(
      template.version,
      body.channel,
      body.locale,
      body.data,
      deps.defaultLocale,
    );
    if (!preview.ok && preview.reason === "no_variant")
      throw errors.validation(
        { channel: `the template has no ${body.channel} variant for ${preview.localeChain.join(", ")}` },
        "No variant to preview",
      );
    if (!preview.ok)
      throw errors.validation({ data: `rendering failed: ${preview.error}` }, "Rendering failed");
    return c.json(
      {
        data: {
          channel: body.channel,
          locale: preview.locale,
          localeChain: preview.localeChain,
          version: template.version.version,
          content: preview.parts as Record<string, string>,
          missingVariables: preview.missingVariables,
          unknownVariables: preview.unknownVariables,
          ...(preview.sms ? { sms: preview.sms } : {}),
        },
      },
      200,
    );
  });
}
