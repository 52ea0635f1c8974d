import type { OpenAPIHono } from "@hono/zod-openapi";
import type { HubEnv } from "../http/env.js";
import { registerJourneyActionRoutes } from "./journeyActionRoutes.js";
import { registerJourneyRoutes } from "./journeyRoutes.js";
import type { RailDeps } from "./railDeps.js";
import { registerTemplateRoutes } from "./templateRoutes.js";

/**
 * The Omnichannel Rail under /api/v1/omni (document 001): scopes omni:read and omni:write, the
 * `{ data }` envelope and the /api/v1 error format; mounted behind the tenant API key auth of /api/v1.
 */
export function registerRailRoutes(app: OpenAPIHono<HubEnv>, deps: RailDeps): void {
  registerTemplateRoutes(app, deps);
  registerJourneyRoutes(app, deps);
  registerJourneyActionRoutes(app, deps);
}
