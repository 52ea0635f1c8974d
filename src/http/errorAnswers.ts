import type { OpenAPIHono } from "@hono/zod-openapi";
import { errors } from "../errors.js";
import type { Logger } from "../logger.js";
import type { HubEnv } from "./env.js";
import { familyOf, formatError } from "./errorFormats.js";
import { toAppError } from "./toAppError.js";

/**
 * How every app of the hub answers an unknown route and a thrown error: in the error format of the
 * path's API family, with the request id; only 5xx are logged as errors.
 */
export function answerErrors(app: OpenAPIHono<HubEnv>, logger: Logger): void {
  app.notFound((c) => {
    const family = familyOf(c.req.path);
    const err = errors.notFound(family === "serviceDesk" ? "Not found" : "Route not found");
    return c.json(formatError(family, err, c.get("requestId")), 404);
  });

  app.onError((thrown, c) => {
    const err = toAppError(thrown);
    if (err.status >= 500) {
      logger.error({ err: thrown, requestId: c.get("requestId"), path: c.req.path }, "request failed");
    }
    return c.json(formatError(familyOf(c.req.path), err, c.get("requestId")), err.status, err.headers);
  });
}
