import type { MiddlewareHandler } from "hono";
import type { HubEnv } from "../env.js";
import { setResponseHeader } from "../responseHeaders.js";

const header = "X-Request-Id";
// A caller's own id is kept when it is a plain token (a UUID, a ULID, "req-2024-abc..."): it ends
// up in logs and error bodies, so anything else, and any token holding a long digit run (a card or
// account number), is replaced by a generated id.
const acceptable = /^[A-Za-z0-9._-]{8,64}$/;
// 13 digits with nothing but separators between them: "4111-1111-1111-1111" is no request id.
const longDigitRun = /(?:\d[._-]*){13}/;

/**
 * Every request gets an id, the caller's X-Request-Id when it sends a usable one: in the response
 * header, in error bodies and in every log line about the request.
 */
export function requestId(): MiddlewareHandler<HubEnv> {
  return async function requestId(c, next) {
    const presented = c.req.header(header);
    const id =
      presented && acceptable.test(presented) && !longDigitRun.test(presented)
        ? presented
        : crypto.randomUUID();
    c.set("requestId", id);
    setResponseHeader(c, header, id);
    await next();
  };
}
