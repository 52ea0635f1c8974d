import { promisify } from "node:util";
import { brotliDecompress, gunzip, inflate } from "node:zlib";
import type { MiddlewareHandler } from "hono";
import { AppError, errors } from "../../errors.js";

const decoders = {
  gzip: promisify(gunzip),
  "x-gzip": promisify(gunzip),
  deflate: promisify(inflate),
  br: promisify(brotliDecompress),
} as const;

type Encoding = keyof typeof decoders;

function isEncoding(value: string): value is Encoding {
  return Object.hasOwn(decoders, value);
}

/**
 * Accepts request bodies sent with Content-Encoding (gzip, deflate, br), as the service-desk
 * document recommends for large payloads. The decompressed size is capped too, so a small
 * compressed body cannot expand past the body limit.
 */
export function decompressBody(options: { maxSize: number }): MiddlewareHandler {
  return async function decompressBody(c, next) {
    const encoding = c.req.header("content-encoding")?.trim().toLowerCase();
    if (!encoding || encoding === "identity" || !c.req.raw.body) return next();
    if (!isEncoding(encoding)) {
      throw new AppError("UNSUPPORTED_MEDIA_TYPE", `Unsupported Content-Encoding: ${encoding}`, {
        "content-encoding": "must be gzip, deflate or br",
      });
    }
    const compressed = Buffer.from(await c.req.raw.arrayBuffer());
    let body: Buffer;
    try {
      body = await decoders[encoding](compressed, { maxOutputLength: options.maxSize });
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") {
        throw errors.payloadTooLarge(options.maxSize);
      }
      throw new AppError("BAD_REQUEST", `Request body is not valid ${encoding} data`, {}, {}, { cause });
    }
    const headers = new Headers(c.req.raw.headers);
    headers.delete("content-encoding");
    headers.set("content-length", String(body.length));
    c.req.raw = new Request(c.req.raw.url, { method: c.req.raw.method, headers, body });
    return next();
  };
}
