import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export type Received = { headers: IncomingHttpHeaders; body: string };

/**
 * A partner's webhook receiver on a free loopback port. `answer` decides each request's status:
 * a number at once, a promise of one later (the request is held open meanwhile), undefined never.
 * It counts the requests it holds unanswered at once, so tests can check a concurrency limit.
 * Waiters are resolved as requests arrive, so tests await, never sleep.
 */
export async function startReceiver(answer: (index: number) => number | undefined | Promise<number>) {
  const received: Received[] = [];
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const load = { inFlight: 0, maxInFlight: 0 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const index = received.length;
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      load.inFlight++;
      load.maxInFlight = Math.max(load.maxInFlight, load.inFlight);
      let done = false;
      const finish = () => {
        if (!done) load.inFlight--;
        done = true;
      };
      res.on("close", finish);
      for (const w of waiters.filter((w) => received.length >= w.count)) w.resolve();
      const reply = (status: number) => {
        if (!res.destroyed) res.writeHead(status).end(status >= 300 ? "partner says no" : "ok");
      };
      const status = answer(index);
      if (typeof status === "number") reply(status);
      else if (status) void status.then(reply);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    port,
    received,
    /** Requests held unanswered now, and the most ever held at once. */
    load,
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

/** A gate that holds answers until opened: `answer` for startReceiver while it is shut. */
export function gate() {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, answer: (status: number) => opened.then(() => status) };
}
