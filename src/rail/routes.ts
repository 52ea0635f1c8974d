import type { OpenAPIHono } from "@hono/zod-openapi";
import type { HubEnv } from "../http/env.js";
import { registerApprovalDecisionRoutes } from "./approvalDecisionRoutes.js";
import { registerApprovalRoutes } from "./approvalRoutes.js";
import { registerDelegationRoutes } from "./delegationRoutes.js";
import { registerJourneyActionRoutes } from "./journeyActionRoutes.js";
import { registerJourneyRoutes } from "./journeyRoutes.js";
import type { JourneyDeps } from "./journeys/service.js";
import { registerTemplateRoutes } from "./templateRoutes.js";
import { registerTimelineRoutes } from "./timelineRoutes.js";

/**
 * The Omnichannel Rail under /api/v1/omni (document 001), every route of it registered here:
 * scopes omni:read and omni:write, the `{ data }` envelope and the /api/v1 error format; mounted
 * behind the tenant API key auth of /api/v1. Notifications are registered by their own module.
 */
export function registerRailRoutes(app: OpenAPIHono<HubEnv>, deps: JourneyDeps): void {
  const { db } = deps;
  registerTemplateRoutes(app, db);
  registerJourneyRoutes(app, deps);
  registerJourneyActionRoutes(app, deps);
  registerDelegationRoutes(app, db);
  registerApprovalRoutes(app, db);
  registerApprovalDecisionRoutes(app, db);
  registerTimelineRoutes(app, db);
}
