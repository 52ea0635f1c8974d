import type { OpenAPIHono } from "@hono/zod-openapi";
import type { HubEnv } from "../http/env.js";
import { registerCreateRoutes } from "./createRoutes.js";
import type { ServiceDeskDeps } from "./deps.js";
import { registerReadRoutes } from "./readRoutes.js";
import { registerUpdateRoute } from "./updateRoute.js";

/** The service-desk API of ../shared/spec/002: tickets and KLAIM-OMNI claims under /api/omnichannel. */
export function registerServiceDeskRoutes(app: OpenAPIHono<HubEnv>, deps: ServiceDeskDeps): void {
  registerCreateRoutes(app, deps);
  registerReadRoutes(app, deps);
  registerUpdateRoute(app, deps);
}
