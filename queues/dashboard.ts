import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { HonoAdapter } from "@bull-board/hono";
import type { serveStatic } from "@hono/node-server/serve-static";
import type { Queue } from "bullmq";
import { Hono } from "hono";

export const dashboardPath = "/admin/queues";

/**
 * bull-board at /admin/queues. Authentication is the app factory's job (adminAuth on that path).
 *
 * The board is an app of its own that the hub forwards to, not routes merged into the hub's router:
 * its paths are ones hono's fast RegExpRouter cannot compile, and merged they would put every API
 * request on the slower TrieRouter.
 */
export function mountQueueDashboard(
  // biome-ignore lint/suspicious/noExplicitAny: any Hono env; the dashboard reads no variables.
  app: Hono<any>,
  queues: readonly Queue[],
  serveStaticFn: typeof serveStatic,
): void {
  const adapter = new HonoAdapter(serveStaticFn).setBasePath(dashboardPath);
  createBullBoard({ queues: queues.map((q) => new BullMQAdapter(q)), serverAdapter: adapter });
  const board = new Hono().route(dashboardPath, adapter.registerPlugin());
  // biome-ignore lint/suspicious/noExplicitAny: as above.
  const forward = (c: { req: { raw: Request }; env: any }) => board.fetch(c.req.raw, c.env);
  app.all(dashboardPath, forward);
  app.all(`${dashboardPath}/*`, forward);
}
