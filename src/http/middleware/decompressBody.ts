import { Readable, type Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib";
import type { MiddlewareHandler } from "hono";
import { AppError, errors } from "../../errors.js";

const decoders = {
  gzip: createGunzip,
  "x-gzip": createGunzip,
  deflate: createInflate,
  br: createBrotliDecompress,
} as const satisfies Record<string, () => Transform>;

type Encoding = keyof typeof decoders;

function isEncoding(value: string): value is Encoding {
  return Object.hasOwn(decoders, value);
}

/**
 * Accepts request bodies sent with Content-Encoding (gzip, deflate, br), as the service-desk
 * document recommends for large payloads. The body is inflated as it streams in and counted on
 * the way: past maxSize decompressed bytes it stops with 413, so a small compressed body never
 * costs more than the body limit, and the compressed bytes are not held next to the result.
 * Mount it after authentication: inflating is work an anonymous caller must not be able to ask for.
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
    let body: Buffer;
    try {
      body = await inflateCapped(c.req.raw.body, decoders[encoding](), options.maxSize);
    } catch (cause) {
      if (cause instanceof AppError) throw cause;
      throw new AppError("BAD_REQUEST", `Request body is not valid ${encoding} data`, {}, {}, { cause });
    }
    const headers = new Headers(c.req.raw.headers);
    headers.delete("content-encoding");
    headers.set("content-length", String(body.length));
    c.req.raw = new Request(c.req.raw.url, { method: c.req.raw.method, headers, body });
    return next();
  };
}

async function inflateCapped(
  compressed: ReadableStream<Uint8Array>,
  decoder: Transform,
  maxSize: number,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    await pipeline(
      Readable.fromWeb(compressed as NodeReadableStream<Uint8Array>),
      decoder,
      async function collect(inflated: AsyncIterable<Buffer>) {
        for await (const chunk of inflated) {
          size += chunk.length;
          // Stopping here destroys the decoder and the source: nothing more is read or inflated.
          if (size > maxSize) throw new RangeError("decompressed body over the limit");
          chunks.push(chunk);
        }
      },
    );
  } catch (cause) {
    // The pipeline reports the teardown (an AbortError), not the reason it was torn down.
    if (size > maxSize) throw errors.payloadTooLarge(maxSize);
    throw cause;
  }
  return Buffer.concat(chunks, size);
}
