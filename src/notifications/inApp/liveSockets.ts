import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { and, eq } from "drizzle-orm";
import type { Redis } from "ioredis";
import { type WebSocket, WebSocketServer } from "ws";
import { z } from "zod";
import type { ReceiptSink } from "../../../connectors/contract.js";
import type { Database } from "../../db/client.js";
import { notificationDeliveries, notifications } from "../../db/schema/index.js";
import { addUpgradeRoute, refuseUpgrade as refuse } from "../../http/upgrades.js";
import type { Logger } from "../../logger.js";
import { listenOnChannel } from "../../redis/channelListener.js";
import { inAppChannel } from "./announcer.js";
import { type LiveRecipient, redeemLiveTicket } from "./tickets.js";

export const liveSocketPath = "/api/v1/omni/notifications/live";

const announcement = z.object({
  tenantId: z.string(),
  recipientType: z.string(),
  recipientId: z.string(),
  notificationId: z.string(),
  deliveryId: z.string(),
});

const recipientKey = (r: { tenantId: string; recipientType: string; recipientId: string }) =>
  `${r.tenantId}\u0000${r.recipientType}\u0000${r.recipientId}`;

export type LiveSockets = { readonly connected: number; close(): Promise<void> };

/**
 * In-app notifications pushed live: a WebSocket at /api/v1/omni/notifications/live?ticket=...
 * (a ticket minted by the bank's backend, see tickets.ts), one per browser tab. Every API process
 * listens to the in-app announcements on Redis pub/sub and pushes those whose recipient has a socket
 * here, read from PostgreSQL; a push written to a socket is the in-app channel's delivery receipt.
 */
export async function attachLiveSockets(
  server: Server,
  deps: {
    db: Database;
    subscriber: Redis;
    redis: Redis;
    redisPrefix: string;
    receipts: ReceiptSink;
    logger: Logger;
  },
): Promise<LiveSockets> {
  const sockets = new Map<string, Set<WebSocket>>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 });
  let connected = 0;

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer, url: URL) => {
    redeemLiveTicket(deps.redis, deps.redisPrefix, url.searchParams.get("ticket") ?? "").then(
      (recipient) => {
        if (!recipient) return refuse(socket, 401, "Unauthorized");
        wss.handleUpgrade(request, socket, head, (ws) => register(ws, recipient));
      },
      () => refuse(socket, 503, "Service Unavailable"),
    );
  };
  const register = (ws: WebSocket, recipient: LiveRecipient) => {
    const key = recipientKey(recipient);
    const set = sockets.get(key) ?? new Set();
    set.add(ws);
    sockets.set(key, set);
    connected++;
    ws.on("close", () => {
      connected--;
      set.delete(ws);
      if (set.size === 0) sockets.delete(key);
    });
    ws.on("error", () => ws.terminate());
    ws.send(JSON.stringify({ type: "ready" }));
  };

  const push = async (raw: string) => {
    const parsed = announcement.safeParse(JSON.parse(raw));
    if (!parsed.success) return;
    const a = parsed.data;
    const targets = sockets.get(recipientKey(a));
    if (!targets || targets.size === 0) return;
    const [row] = await deps.db
      .select({ content: notificationDeliveries.content, createdAt: notifications.createdAt })
      .from(notificationDeliveries)
      .innerJoin(notifications, eq(notifications.id, notificationDeliveries.notificationId))
      .where(
        and(eq(notificationDeliveries.id, a.deliveryId), eq(notificationDeliveries.tenantId, a.tenantId)),
      );
    if (!row?.content) return;
    const frame = JSON.stringify({
      type: "notification",
      id: a.notificationId,
      deliveryId: a.deliveryId,
      ...row.content,
      createdAt: row.createdAt.toISOString(),
    });
    let written = false;
    await Promise.all(
      [...targets].map(
        (ws) =>
          new Promise<void>((resolve) =>
            ws.send(frame, (err) => {
              if (!err) written = true;
              resolve();
            }),
          ),
      ),
    );
    if (written)
      await deps.receipts.record(a.tenantId, {
        channel: "in_app",
        providerMessageId: a.deliveryId,
        status: "delivered",
        at: new Date(),
      });
  };
  const stopListening = await listenOnChannel(deps.subscriber, inAppChannel(deps.redisPrefix), (raw) => {
    push(raw).catch((err: unknown) => deps.logger.warn({ err }, "could not push an in-app notification"));
  });
  const removeRoute = addUpgradeRoute(server, {
    matches: (pathname) => pathname === liveSocketPath,
    handle: onUpgrade,
  });

  return {
    get connected() {
      return connected;
    },
    async close() {
      removeRoute();
      await stopListening();
      for (const set of sockets.values()) for (const ws of set) ws.close(1001, "server shutting down");
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
