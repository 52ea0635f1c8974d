import type { MiddlewareHandler } from "hono";
import type { HubEnv } from "../env.js";
import { setResponseHeader } from "../responseHeaders.js";

const header = "X-Request-Id";
// A caller's own id is kept when it is a plain token: it ends up in logs and error bodies.
const acceptable = /^[\w\-=]{1,255}$/;

/**
 * Every request gets an id, the caller's X-Request-Id when it sends a usable one: in the response
 * header, in error bodies and in every log line about the request.
 */
export function requestId(): MiddlewareHandler<HubEnv> {
  return async function requestId(c, next) {
    const presented = c.req.header(header);
    const id = presented && acceptable.test(presented) ? presented : crypto.randomUUID();
    c.set("requestId", id);
    setResponseHeader(c, header, id);
    await next();
  };
}
