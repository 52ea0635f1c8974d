import { serve } from "@hono/node-server";
import type { Hono } from "hono";
import { z } from "zod";

/**
 * Start and stop for every baseline, kept out of the request path: a baseline is one bare Hono
 * app, and only what it does per request is compared with the hub.
 */
const envSchema = z.object({
  PORT: z.coerce.number().int().min(1).max(65535),
  HOST: z.literal("127.0.0.1"),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200),
});

export type BaselineEnv = z.infer<typeof envSchema>;

/** The variables the bench runner passes to a baseline; anything missing stops it at start. */
export function baselineEnv(env: Record<string, string | undefined>): BaselineEnv {
  return envSchema.parse(env);
}

/** Serves the app until SIGTERM or SIGINT, then lets requests in flight finish and runs `close`. */
export function serveUntilSignal(app: Hono, env: BaselineEnv, close: () => Promise<void>): void {
  // The hub's idle timeout (HTTP_IDLE_TIMEOUT_MS' default). With Node's 5 s, sockets the runner
  // left idle between rounds closed as it reused them: posts refused with ECONNRESET, on this
  // side only.
  const server = serve({
    fetch: app.fetch,
    port: env.PORT,
    hostname: env.HOST,
    serverOptions: { keepAliveTimeout: 65_000 },
  });
  let stopping = false;
  // Ctrl-C reaches a baseline directly and again as the runner's SIGTERM: close once.
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    server.close(() => {
      close().then(
        () => process.exit(0),
        (err: unknown) => {
          process.stderr.write(`baseline: shutdown failed: ${String(err)}\n`);
          process.exit(1);
        },
      );
    });
    if ("closeIdleConnections" in server) server.closeIdleConnections();
  };
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);
}
