import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import type { OpenAPIHono } from "@hono/zod-openapi";
import { Scalar } from "@scalar/hono-api-reference";
import type { HubEnv } from "../http/env.js";
import { serviceDeskErrorSchema } from "../http/errorFormats.js";

const require = createRequire(import.meta.url);
const scalarBundlePath = require.resolve("@scalar/api-reference/browser/standalone.js");

export const openApiInfo = {
  title: "Switchboard",
  version: "0.1.0",
  description:
    "Omnichannel channel gateway for banks. Three API families over one model: the service desk " +
    "(/api/omnichannel), the Omnichannel Rail (/api/v1/omni) and SCT07 (/api/v1), plus the admin API " +
    "(/api/admin) and channel providers' signed callbacks (/api/webhooks). Errors under /api/omnichannel use the service desk's envelope " +
    "`{success:false, message, errors}`; every other path answers errors as `{error:{code, message, requestId, fields?}}`.",
};

/**
 * /openapi.json is generated from the same zod schemas that validate requests; /docs renders it.
 * A bank's internal network reaches nothing outside, so the reference asks nothing outside the hub:
 * its script comes from our own node_modules and every feature that talks to Scalar's servers is off.
 */
const offlineReference = {
  url: "/openapi.json",
  pageTitle: "Switchboard API",
  cdn: "/docs/standalone.js",
  // System fonts instead of fonts.scalar.com.
  withDefaultFonts: false,
  // Unset, "Test Request" goes through proxy.scalar.com for any server not on localhost; empty, direct.
  proxyUrl: "",
  // The "Ask AI" agent (api.scalar.com) and the developer toolbar ("Deploy", "Share": registry and
  // dashboard.scalar.com) show on localhost unless turned off; telemetry reports to Scalar.
  agent: { disabled: true },
  showDeveloperTools: "never",
  telemetry: false,
  hideClientButton: true,
} as const;
export function registerDocsRoutes(app: OpenAPIHono<HubEnv>): void {
  app.openAPIRegistry.registerComponent("securitySchemes", "apiKey", {
    type: "http",
    scheme: "bearer",
    description: "A tenant API key (sbk_...) as `Authorization: Bearer <key>`.",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "apiKeyHeader", {
    type: "apiKey",
    in: "header",
    name: "X-API-Key",
    description: "The same tenant API key, as the bank's existing service-desk partners send it.",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "adminToken", {
    type: "http",
    scheme: "bearer",
    description: "The ADMIN_TOKEN of the deployment.",
  });
  // The service desk's error envelope is part of the contract even where no route refers to it yet.
  app.openAPIRegistry.register("ServiceDeskError", serviceDeskErrorSchema);
  app.doc31("/openapi.json", { openapi: "3.1.0", info: openApiInfo });

  let bundle: Promise<string> | undefined;
  app.get("/docs/standalone.js", async (c) => {
    bundle ??= readFile(scalarBundlePath, "utf8");
    c.header("Content-Type", "text/javascript; charset=utf-8");
    c.header("Cache-Control", "public, max-age=86400");
    return c.body(await bundle);
  });
  app.get("/docs", Scalar(offlineReference));
}
