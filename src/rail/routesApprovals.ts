import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Database } from "../db/client.js";
import type { HubEnv } from "../http/env.js";
import { registerApprovalDecisionRoutes } from "./approvalDecisionRoutes.js";
import { registerApprovalRoutes } from "./approvalRoutes.js";
import { registerDelegationRoutes } from "./delegationRoutes.js";
import { registerTimelineRoutes } from "./timelineRoutes.js";

/** The Rail's approvals, delegations and timeline (document 001); journeys and templates register apart. */
export function registerRailApprovalRoutes(app: OpenAPIHono<HubEnv>, db: Database): void {
  registerDelegationRoutes(app, db);
  registerApprovalRoutes(app, db);
  registerApprovalDecisionRoutes(app, db);
  registerTimelineRoutes(app, db);
}
