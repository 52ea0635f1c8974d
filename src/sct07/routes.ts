import type { OpenAPIHono } from "@hono/zod-openapi";
import type { HubEnv } from "../http/env.js";
import { forwardedApp, mountForwardedApp } from "../http/forwardedApp.js";
import { registerCustomerRoutes } from "./customerRoutes.js";
import type { Sct07Deps } from "./deps.js";
import { registerAnalyticsRoute, registerProfileRoute } from "./insightRoutes.js";
import { registerSessionRoutes } from "./sessionRoutes.js";

/**
 * SCT07 (document 000) under /api/v1: customers and identities, sessions with handoff and resume,
 * the unified profile and channel analytics. Bare snake_case JSON as the document writes it; the
 * document shows no error format, so errors are the /api/v1 family's (src/http/errorFormats.ts).
 *
 * /api/v1/customers and /api/v1/sessions are served by an app of their own that the hub forwards
 * to: the paths (POST /customers/merge beside POST /customers/{customer_id}/identities,
 * POST /sessions/handoff beside POST /sessions/{session_id}/close) are ones hono's RegExpRouter
 * cannot compile, and in the hub's router they would put every request of the hub on the slower
 * TrieRouter (src/http/forwardedApp.ts).
 */
export function registerSct07Routes(app: OpenAPIHono<HubEnv>, deps: Sct07Deps): void {
  const own = forwardedApp();
  registerProfileRoute(own, deps);
  registerCustomerRoutes(own, deps);
  registerSessionRoutes(own, deps);
  mountForwardedApp(app, own, ["/api/v1/customers", "/api/v1/sessions"]);
  registerAnalyticsRoute(app, deps);
}
