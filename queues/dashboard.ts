import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { HonoAdapter } from "@bull-board/hono";
import type { serveStatic } from "@hono/node-server/serve-static";
import type { Queue } from "bullmq";
import type { Hono } from "hono";

export const dashboardPath = "/admin/queues";

/** bull-board at /admin/queues. Authentication is the app factory's job (adminAuth on that path). */
export function mountQueueDashboard(
  // biome-ignore lint/suspicious/noExplicitAny: any Hono env; the dashboard reads no variables.
  app: Hono<any>,
  queues: readonly Queue[],
  serveStaticFn: typeof serveStatic,
): void {
  const adapter = new HonoAdapter(serveStaticFn).setBasePath(dashboardPath);
  createBullBoard({ queues: queues.map((q) => new BullMQAdapter(q)), serverAdapter: adapter });
  app.route(dashboardPath, adapter.registerPlugin());
}
