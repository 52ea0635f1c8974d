import type { Server } from "node:http";
import { and, eq } from "drizzle-orm";
import type { Redis } from "ioredis";
import { type WebSocket, WebSocketServer } from "ws";
import { outboundMessages } from "../db/schema/index.js";
import { addressBehindProxies } from "../http/clientAddress.js";
import { addUpgradeRoute, refuseUpgrade } from "../http/upgrades.js";
import { listenOnChannel } from "../redis/channelListener.js";
import { findTenant } from "../tenants/service.js";
import { type ConnectionDeps, serveChat } from "./connection.js";
import type { ServerFrame } from "./frames.js";
import { senderOf } from "./history.js";
import { originAllowed } from "./origin.js";
import { markDelivered, webchatAnnouncement, webchatChannel } from "./outbound.js";

/** A header node gives as a list when it came more than once: read as one comma-separated list. */
const headerText = (value: string | string[] | undefined) => (Array.isArray(value) ? value.join(",") : value);

/** `/api/webchat/{tenantId}/socket` (a tenant's id or slug). */
export const webchatSocketPath = /^\/api\/webchat\/([^/]+)\/socket$/;

export type WebChatSockets = { readonly connected: number; close(): Promise<void> };

export type WebChatSocketDeps = Omit<ConnectionDeps, "join"> & {
  subscriber: Redis;
  redisPrefix: string;
  /** TRUST_PROXY: how a client's address is read from X-Forwarded-For (src/http/clientAddress.ts). */
  trustedProxies: number;
};

/**
 * The web chat's WebSocket on an API process, beside the in-app one and like it: the upgrade is
 * checked (origin, tenant) before the socket opens; every API process listens to the web chat
 * announcements on Redis pub/sub and writes those whose thread has a socket here, the text read
 * from PostgreSQL. So an agent's reply reaches the customer whichever process their socket is on.
 */
export async function attachWebChatSockets(server: Server, deps: WebChatSocketDeps): Promise<WebChatSockets> {
  // Above the per-frame limit, which answers with an error frame: past this, ws closes with 1009.
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: Math.max(64 * 1024, 4 * deps.settings.maxMessageBytes),
  });
  const threads = new Map<string, Set<WebSocket>>();
  const keyOf = (tenantId: string, threadRef: string) => `${tenantId}\u0000${threadRef}`;
  let connected = 0;

  const join = (tenantId: string, threadRef: string, ws: WebSocket) => {
    const key = keyOf(tenantId, threadRef);
    const set = threads.get(key) ?? new Set();
    set.add(ws);
    threads.set(key, set);
    return () => {
      set.delete(ws);
      if (set.size === 0 && threads.get(key) === set) threads.delete(key);
    };
  };

  const removeRoute = addUpgradeRoute(server, {
    matches: (pathname) => webchatSocketPath.test(pathname),
    handle(request, socket, head, url) {
      const { origin, host } = request.headers;
      // The hub-wide list is checked first: a page it refuses learns nothing about which tenants exist.
      const allowedForAll = originAllowed(origin, host, deps.settings.allowedOrigins);
      if (!allowedForAll && !origin) return refuseUpgrade(socket, 403, "Forbidden");
      let tenantRef: string;
      try {
        tenantRef = decodeURIComponent(webchatSocketPath.exec(url.pathname)?.[1] ?? "");
      } catch {
        return refuseUpgrade(socket, 404, "Not Found");
      }
      findTenant(deps.db, tenantRef).then(
        (tenant) => {
          if (!allowedForAll && !originAllowed(origin, host, [], tenant?.webchatOrigins))
            return refuseUpgrade(socket, 403, "Forbidden");
          if (!tenant) return refuseUpgrade(socket, 404, "Not Found");
          if (tenant.status !== "active") return refuseUpgrade(socket, 403, "Forbidden");
          wss.handleUpgrade(request, socket, head, (ws) => {
            connected++;
            ws.on("close", () => connected--);
            const address = addressBehindProxies(
              request.socket.remoteAddress,
              headerText(request.headers["x-forwarded-for"]),
              deps.trustedProxies,
            );
            serveChat(ws, tenant.id, address, { ...deps, join });
          });
        },
        () => refuseUpgrade(socket, 503, "Service Unavailable"),
      );
    },
  });

  const push = async (raw: string) => {
    const parsed = webchatAnnouncement.safeParse(JSON.parse(raw));
    if (!parsed.success) return;
    const { tenantId, threadRef, outboundId } = parsed.data;
    const targets = threads.get(keyOf(tenantId, threadRef));
    if (!targets || targets.size === 0) return;
    const [row] = await deps.db
      .select({
        kind: outboundMessages.kind,
        text: outboundMessages.text,
        createdAt: outboundMessages.createdAt,
      })
      .from(outboundMessages)
      .where(and(eq(outboundMessages.id, outboundId), eq(outboundMessages.tenantId, tenantId)));
    if (!row) return;
    const frame: ServerFrame = {
      type: "message",
      message: { id: outboundId, from: senderOf(row.kind), text: row.text, at: row.createdAt.toISOString() },
    };
    const written = await Promise.all(
      [...targets].map(
        (ws) => new Promise<boolean>((resolve) => ws.send(JSON.stringify(frame), (err) => resolve(!err))),
      ),
    );
    if (written.includes(true)) await markDelivered(deps.db, tenantId, [outboundId], ["pending", "sent"]);
  };
  const stopListening = await listenOnChannel(deps.subscriber, webchatChannel(deps.redisPrefix), (raw) => {
    push(raw).catch((err: unknown) => deps.logger.warn({ err }, "could not push a web chat message"));
  });

  return {
    get connected() {
      return connected;
    },
    async close() {
      removeRoute();
      await stopListening();
      for (const ws of wss.clients) ws.close(1001, "server shutting down");
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
