import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Database } from "../db/client.js";
import type { HubEnv } from "../http/env.js";
import { registerBusinessCalendarRoutes } from "./calendarRoutes.js";
import { registerSlaPolicyRoutes } from "./policyRoutes.js";

/**
 * The operator's SLA settings of a tenant: its policy table and its business calendar. Mount behind
 * adminAuth, as the app factory does for everything under /api/admin.
 */
export function registerSlaAdminRoutes(app: OpenAPIHono<HubEnv>, db: Database): void {
  registerSlaPolicyRoutes(app, db);
  registerBusinessCalendarRoutes(app, db);
}
