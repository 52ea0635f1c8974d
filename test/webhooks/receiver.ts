import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export type Received = { headers: IncomingHttpHeaders; body: string };

/**
 * A partner's webhook receiver on a free loopback port. `answer` decides each request's status
 * (undefined: never answer). Waiters are resolved as requests arrive, so tests await, never sleep.
 */
export async function startReceiver(answer: (index: number) => number | undefined) {
  const received: Received[] = [];
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const index = received.length;
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      for (const w of waiters.filter((w) => received.length >= w.count)) w.resolve();
      const status = answer(index);
      if (status !== undefined) res.writeHead(status).end(status >= 300 ? "partner says no" : "ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    port,
    received,
    /** The requests that carried one event (webhook-id = event id). */
    of: (eventId: string) => received.filter((r) => r.headers["webhook-id"] === eventId),
    /** Resolves once `count` requests have arrived. */
    until: (count: number) =>
      new Promise<void>((resolve) => {
        if (received.length >= count) resolve();
        else waiters.push({ count, resolve });
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
