import type { MiddlewareHandler } from "hono";
import { compress } from "hono/compress";
import { setResponseHeader } from "../responseHeaders.js";

/**
 * hono's compress, entered only when the client sent Accept-Encoding. Without it nothing is to be
 * compressed, yet hono's compress would still read the finished response's headers and add Vary,
 * which makes the Node adapter rebuild every response as a full web Response: about a tenth of the
 * API's CPU under load. Vary is set up front instead (see setResponseHeader).
 */
export function compressResponses(): MiddlewareHandler {
  const compressor = compress();
  return async function compressResponses(c, next) {
    if (c.req.header("accept-encoding")) return compressor(c, next);
    setResponseHeader(c, "Vary", "Accept-Encoding");
    await next();
  };
}
