import type { OpenAPIHono } from "@hono/zod-openapi";
import type { HubEnv } from "../http/env.js";
import { registerCustomerRoutes } from "./customerRoutes.js";
import type { Sct07Deps } from "./deps.js";
import { registerInsightRoutes } from "./insightRoutes.js";
import { registerSessionRoutes } from "./sessionRoutes.js";

/**
 * SCT07 (document 000) under /api/v1: customers and identities, sessions with handoff and resume,
 * the unified profile and channel analytics. Bare snake_case JSON as the document writes it; the
 * document shows no error format, so errors are the /api/v1 family's (src/http/errorFormats.ts).
 */
export function registerSct07Routes(app: OpenAPIHono<HubEnv>, deps: Sct07Deps): void {
  // The unified profile before the customer routes: /customers/{id}/profile/unified is its own path.
  registerInsightRoutes(app, deps);
  registerCustomerRoutes(app, deps);
  registerSessionRoutes(app, deps);
}
