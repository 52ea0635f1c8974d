import type { MiddlewareHandler } from "hono";
import { setResponseHeader } from "../responseHeaders.js";

/**
 * The values hono/secure-headers would send for these headers, set before the handler runs: hono's
 * middleware writes them into the finished response's headers, which makes the Node adapter build a
 * web Headers object for every answer (see setResponseHeader). No page of the hub is meant to be
 * framed, so framing is refused everywhere, the API reference and the queue dashboard included.
 */
const always: ReadonlyArray<readonly [string, string]> = [
  ["X-Content-Type-Options", "nosniff"],
  ["Referrer-Policy", "no-referrer"],
  ["X-Frame-Options", "DENY"],
  ["Content-Security-Policy", "frame-ancestors 'none'"],
];

const hsts = "max-age=15552000; includeSubDomains";

export function securityHeaders(): MiddlewareHandler {
  return async function securityHeaders(c, next) {
    for (const [name, value] of always) setResponseHeader(c, name, value);
    // Browsers ignore HSTS received over plain HTTP, so a forwarded-proto claim cannot do harm; it is
    // how a hub behind a TLS-terminating proxy learns that the browser spoke TLS.
    if (c.req.url.startsWith("https:") || forwardedProto(c.req.header("x-forwarded-proto")) === "https") {
      setResponseHeader(c, "Strict-Transport-Security", hsts);
    }
    await next();
  };
}

function forwardedProto(header: string | undefined): string | undefined {
  return header?.split(",")[0]?.trim().toLowerCase();
}
