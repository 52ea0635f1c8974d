import type { OpenAPIHono } from "@hono/zod-openapi";
import type { HubEnv } from "../http/env.js";
import { registerDeskChangeRoutes } from "./changeRoutes.js";
import { registerDeskCountsRoute } from "./countsRoute.js";
import type { DeskDeps } from "./deps.js";
import { registerDeskReadRoutes } from "./readRoutes.js";

/**
 * The agents' desk under /api/v1/desk: the same tickets partners create, with everything agents
 * need (internal notes, customer data, claims) and the changes only agents make. Scopes desk:read
 * and desk:write; mounted behind the tenant API key auth of /api/v1.
 */
export function registerDeskRoutes(app: OpenAPIHono<HubEnv>, deps: DeskDeps): void {
  registerDeskReadRoutes(app, deps);
  registerDeskCountsRoute(app, deps);
  registerDeskChangeRoutes(app, deps);
}
