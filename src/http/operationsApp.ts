import { OpenAPIHono } from "@hono/zod-openapi";
import type { Redis } from "ioredis";
import type { Config } from "../config.js";
import { type ReadinessCheck, registerHealthRoutes } from "../health/routes.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";
import { authThrottling, metricsGuard } from "./authGuards.js";
import type { HubEnv } from "./env.js";
import { answerErrors } from "./errorAnswers.js";
import { observe } from "./middleware/observe.js";
import { requestId } from "./middleware/requestId.js";
import { securityHeaders } from "./middleware/securityHeaders.js";
import { throwOnInvalid } from "./validation.js";

/**
 * What a process without the API (worker, gateway) serves on OPERATIONS_PORT: /healthz, /readyz and
 * its own /metrics, behind the same metrics guard as the API's. A process's counters live in its
 * memory (webhook attempts and delivery latencies, jobs processed, notification sends): the API
 * process cannot show a worker's.
 */
export function createOperationsApp(deps: {
  config: Config;
  logger: Logger;
  redis: Redis;
  metrics: Metrics;
  readiness: readonly ReadinessCheck[];
}): OpenAPIHono<HubEnv> {
  const app = new OpenAPIHono<HubEnv>({ defaultHook: throwOnInvalid });
  app.use(requestId());
  app.use(securityHeaders());
  app.use(observe(deps.logger, deps.metrics));
  registerHealthRoutes(app, {
    checks: deps.readiness,
    metrics: deps.metrics,
    metricsGuard: metricsGuard(deps.config, authThrottling(deps.config, deps.redis)),
    logger: deps.logger,
  });
  answerErrors(app, deps.logger);
  return app;
}
