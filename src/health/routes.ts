import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { HubEnv } from "../http/env.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";

export type ReadinessCheck = { name: string; check: () => Promise<void> };

// Only up or down: why a dependency is down (host names, driver messages) is for the log, not for
// whoever can reach the port.
const checkResult = z.object({ status: z.enum(["up", "down"]) });
const readySchema = z
  .object({ status: z.enum(["ready", "not_ready"]), checks: z.record(z.string(), checkResult) })
  .openapi("Readiness");

const healthz = createRoute({
  method: "get",
  path: "/healthz",
  tags: ["Operations"],
  summary: "Liveness: the process answers",
  responses: {
    200: {
      description: "Alive",
      content: { "application/json": { schema: z.object({ status: z.literal("ok") }) } },
    },
  },
});

const readyz = createRoute({
  method: "get",
  path: "/readyz",
  tags: ["Operations"],
  summary: "Readiness: the database and Redis answer",
  responses: {
    200: { description: "Ready", content: { "application/json": { schema: readySchema } } },
    503: {
      description: "A dependency does not answer",
      content: { "application/json": { schema: readySchema } },
    },
  },
});

const checkTimeoutMs = 2000;

async function probe({ name, check }: ReadinessCheck, logger: Logger): Promise<z.infer<typeof checkResult>> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${checkTimeoutMs} ms`)), checkTimeoutMs);
      }),
    ]);
    return { status: "up" };
  } catch (err) {
    logger.warn({ err, dependency: name }, "readiness check failed");
    return { status: "down" };
  } finally {
    clearTimeout(timer);
  }
}

export function registerHealthRoutes(
  app: OpenAPIHono<HubEnv>,
  deps: {
    checks: readonly ReadinessCheck[];
    metrics: Metrics;
    /** Stands in front of /metrics unless it is open (see Config["metrics"]). */
    metricsGuard: MiddlewareHandler<HubEnv> | undefined;
    logger: Logger;
  },
): void {
  app.openapi(healthz, (c) => c.json({ status: "ok" as const }, 200));

  app.openapi(readyz, async (c) => {
    const results = await Promise.all(
      deps.checks.map(async (k) => [k.name, await probe(k, deps.logger)] as const),
    );
    const checks = Object.fromEntries(results);
    const ready = results.every(([, r]) => r.status === "up");
    return ready
      ? c.json({ status: "ready" as const, checks }, 200)
      : c.json({ status: "not_ready" as const, checks }, 503);
  });

  if (deps.metricsGuard) app.use("/metrics", deps.metricsGuard);
  app.get("/metrics", async (c) => {
    c.header("Content-Type", deps.metrics.registry.contentType);
    return c.body(await deps.metrics.registry.metrics());
  });
}
