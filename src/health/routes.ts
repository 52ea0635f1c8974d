import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { HubEnv } from "../http/env.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";
import { within } from "../within.js";

export type ReadinessCheck = { name: string; check: () => Promise<void> };

// Only up or down: why a dependency is down (host names, driver messages) is for the log, not for
// whoever can reach the port.
const checkResult = z.object({ status: z.enum(["up", "down"]) });
const readySchema = z
  .object({
    status: z.enum(["ready", "not_ready"]),
    checks: z.record(z.string(), checkResult),
    sessions: z.record(z.string(), z.record(z.string(), z.number().int())).optional().openapi({
      description:
        "Long-lived channel sessions by state, e.g. whatsappWeb: {ready: 1, waiting_for_qr: 0, ...}. Informational: a session waiting for its QR does not make the hub unready.",
    }),
  })
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
  try {
    // A dependency that hangs must not hang /readyz.
    await within(check(), checkTimeoutMs, name);
    return { status: "up" };
  } catch (err) {
    logger.warn({ err, dependency: name }, "readiness check failed");
    return { status: "down" };
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
    /** Channel sessions (whatsapp-web.js) counted by state, shown beside the checks. */
    sessions?: () => Promise<Record<string, Record<string, number>>>;
  },
): void {
  app.openapi(healthz, (c) => c.json({ status: "ok" as const }, 200));

  /** The sessions detail, or undefined when it cannot be read in time (it never decides readiness). */
  const readSessions = async () => {
    if (!deps.sessions) return undefined;
    try {
      return await within(deps.sessions(), checkTimeoutMs, "channel sessions");
    } catch (err) {
      deps.logger.warn({ err }, "readiness: channel sessions not read");
      return undefined;
    }
  };

  app.openapi(readyz, async (c) => {
    const [results, sessions] = await Promise.all([
      Promise.all(deps.checks.map(async (k) => [k.name, await probe(k, deps.logger)] as const)),
      readSessions(),
    ]);
    const checks = Object.fromEntries(results);
    const ready = results.every(([, r]) => r.status === "up");
    const detail = sessions ? { checks, sessions } : { checks };
    return ready
      ? c.json({ status: "ready" as const, ...detail }, 200)
      : c.json({ status: "not_ready" as const, ...detail }, 503);
  });

  if (deps.metricsGuard) app.use("/metrics", deps.metricsGuard);
  app.get("/metrics", async (c) => {
    c.header("Content-Type", deps.metrics.registry.contentType);
    return c.body(await deps.metrics.registry.metrics());
  });
}
