import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * The partner of the webhooks benchmark: a plain HTTP server in the runner's process that answers
 * every POST 200 once its body has arrived, and notes when each `webhook-id` arrived. Both sides
 * post to it, one round at a time; the runner's clock stamps commits and receipts alike.
 */
export async function startWebhookReceiver() {
  const arrivals = new Map<string, number>();
  let duplicates = 0;
  let waiting: { count: number; resolve: () => void } | undefined;
  const server = createServer((req, res) => {
    const id = req.headers["webhook-id"];
    req.resume();
    req.on("end", () => {
      const at = performance.now();
      res.writeHead(200, { "content-type": "text/plain" }).end("ok");
      if (typeof id !== "string") return;
      if (arrivals.has(id)) duplicates++;
      else arrivals.set(id, at);
      if (waiting && arrivals.size >= waiting.count) waiting.resolve();
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    /** Forgets the last round's arrivals. */
    reset() {
      arrivals.clear();
      duplicates = 0;
    },
    arrivals: () => arrivals as ReadonlyMap<string, number>,
    duplicates: () => duplicates,
    /** Resolves once `count` distinct ids arrived; false when `timeoutMs` or the signal came first. */
    until(count: number, timeoutMs: number, signal: AbortSignal): Promise<boolean> {
      if (arrivals.size >= count) return Promise.resolve(true);
      return new Promise((resolve) => {
        const done = (ok: boolean) => {
          clearTimeout(timer);
          signal.removeEventListener("abort", onAbort);
          waiting = undefined;
          resolve(ok);
        };
        const onAbort = () => done(false);
        const timer = setTimeout(() => done(false), timeoutMs);
        signal.addEventListener("abort", onAbort);
        waiting = { count, resolve: () => done(true) };
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type WebhookReceiver = Awaited<ReturnType<typeof startWebhookReceiver>>;
