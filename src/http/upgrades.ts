import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";

/** What answers a WebSocket upgrade on one path: the request, its raw socket, and its parsed URL. */
export type UpgradeRoute = {
  matches(pathname: string): boolean;
  handle(request: IncomingMessage, socket: Duplex, head: Buffer, url: URL): void;
};

type UpgradeListener = (request: IncomingMessage, socket: Duplex, head: Buffer) => void;

const routesOf = new WeakMap<Server, { routes: Set<UpgradeRoute>; listener: UpgradeListener }>();

/**
 * The one `upgrade` listener of an HTTP server, shared by every WebSocket of the hub (in-app
 * notifications, web chat): each registers its path here, and an upgrade no route takes is
 * refused with a 404 once, rather than by every listener that does not know it (Node calls them all).
 * Answers the function that removes the route; the listener goes with the last one.
 */
export function addUpgradeRoute(server: Server, route: UpgradeRoute): () => void {
  let entry = routesOf.get(server);
  if (!entry) {
    const routes = new Set<UpgradeRoute>();
    const listener: UpgradeListener = (request, socket, head) => {
      const url = new URL(request.url ?? "/", "http://hub");
      for (const r of routes) if (r.matches(url.pathname)) return r.handle(request, socket, head, url);
      refuseUpgrade(socket, 404, "Not Found");
    };
    entry = { routes, listener };
    routesOf.set(server, entry);
    server.on("upgrade", listener);
  }
  const current = entry;
  current.routes.add(route);
  return () => {
    current.routes.delete(route);
    if (current.routes.size > 0) return;
    server.off("upgrade", current.listener);
    routesOf.delete(server);
  };
}

/** Answers an upgrade with a plain HTTP status and closes the connection. */
export function refuseUpgrade(socket: Duplex, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
