import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import type { Logger } from "../../logger.js";
import type { Metrics } from "../../metrics.js";
import type { HubEnv } from "../env.js";

/** Times every request into the metrics histogram and writes one access-log line with its request id. */
export function observe(logger: Logger, metrics: Metrics): MiddlewareHandler<HubEnv> {
  return async function observe(c, next) {
    const started = performance.now();
    await next();
    const seconds = (performance.now() - started) / 1000;
    // The matched pattern, not the raw path: ticket numbers in label values would explode cardinality.
    // An unknown path matches only middleware patterns such as "/api/*", which are bounded too.
    // A forwarded request reports the route that answered it in the app it was forwarded to.
    const route = c.get("forwardedRoute") ?? routePath(c, -1);
    metrics.httpRequestDuration.observe(
      { method: c.req.method, route, status: String(c.res.status) },
      seconds,
    );
    logger.info(
      {
        requestId: c.get("requestId"),
        method: c.req.method,
        route,
        status: c.res.status,
        ms: Math.round(seconds * 1000),
        tenantId: c.get("principal")?.tenantId,
      },
      "request",
    );
  };
}
