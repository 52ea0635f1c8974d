import type { MiddlewareHandler } from "hono";
import { compress } from "hono/compress";
import { setResponseHeader } from "../responseHeaders.js";

/**
 * Whether an Accept-Encoding header can let hono's compress pick an encoding: it compresses with
 * gzip or deflate only, named or through `*`. A header naming neither (`identity`, `br` alone)
 * never gets a compressed answer, so it need not pay for compress's look at the response.
 */
const mayCompress = (acceptEncoding: string) => /gzip|deflate|\*/i.test(acceptEncoding);

/**
 * hono's compress, entered only when the client accepts an encoding it can use. Otherwise nothing
 * is to be compressed, yet hono's compress would still read the finished response's headers and
 * add Vary, which makes the Node adapter rebuild every response as a full web Response: about a
 * tenth of the API's CPU under load (a client sending `Accept-Encoding: identity`, as the
 * notifications benchmark does, paid it on every creation). Vary is set up front instead (see
 * setResponseHeader).
 *
 * Answers under `uncompressedPrefixes` are never compressed: the providers' webhooks answer a few
 * bytes (empty TwiML, an empty 200), which hono's compress gzips anyway since they carry no
 * Content-Length; under the inbound benchmark's load that was 7-9 % of the hub's CPU for nothing.
 */
export function compressResponses(uncompressedPrefixes: readonly string[] = []): MiddlewareHandler {
  const compressor = compress();
  return async function compressResponses(c, next) {
    const accepted = c.req.header("accept-encoding");
    if (accepted && mayCompress(accepted) && !uncompressedPrefixes.some((p) => c.req.path.startsWith(p)))
      return compressor(c, next);
    setResponseHeader(c, "Vary", "Accept-Encoding");
    await next();
  };
}
