import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { HonoAdapter } from "@bull-board/hono";
import type { serveStatic } from "@hono/node-server/serve-static";
import type { Queue } from "bullmq";
import { Hono } from "hono";
import { sameOriginWrites } from "../src/http/middleware/sameOriginWrites.js";

export const dashboardPath = "/admin/queues";

// bull-board's page asks fonts.googleapis.com for its typefaces; a bank's internal network reaches
// nothing outside, and the page falls back to system fonts without them.
const externalFontLinks = /<link\b[^>]*https:\/\/fonts\.(?:googleapis|gstatic)\.com[^>]*>\s*/gi;

/**
 * bull-board at /admin/queues. Authentication is the app factory's job (adminAuth on that path);
 * the board refuses cross-site changes itself, since browsers replay the Basic password.
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
  const forward = async (c: { req: { raw: Request }; env: any }) => {
    const res = await board.fetch(c.req.raw, c.env);
    if (!res.headers.get("content-type")?.startsWith("text/html")) return res;
    const html = (await res.text()).replace(externalFontLinks, "");
    const headers = new Headers(res.headers);
    headers.delete("content-length");
    return new Response(html, { status: res.status, headers });
  };
  app.use(`${dashboardPath}/*`, sameOriginWrites());
  app.all(dashboardPath, forward);
  app.all(`${dashboardPath}/*`, forward);
}
