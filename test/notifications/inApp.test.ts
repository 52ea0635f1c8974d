import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { WebSocket } from "ws";
import { createRedisConnection } from "../../queues/connection.js";
import { createLogger } from "../../src/logger.js";
import { attachLiveSockets, type LiveSockets } from "../../src/notifications/inApp/liveSockets.js";
import { testRedisUrl } from "../support/env.js";
import { bearer, createTestHub, type TestHub } from "../support/testHub.js";
import {
  eventsOf,
  getNotification,
  loadDefaults,
  newCustomer,
  postNotification,
  receiptSinkOf,
  ScriptedProvider,
  startNotificationWorkers,
} from "./support.js";

let hub: TestHub;
let tenant: { key: string; tenantId: string };
let workers: ReturnType<typeof startNotificationWorkers>;
let server: Server;
let live: LiveSockets;
let base: string;
const redis = createRedisConnection(testRedisUrl, "client");
const subscriber = createRedisConnection(testRedisUrl, "client");

beforeAll(async () => {
  hub = await createTestHub();
  await loadDefaults(hub);
  tenant = await hub.createTenantWithKey("live-bank", ["omni:read", "omni:write"]);
  workers = startNotificationWorkers(hub, new ScriptedProvider());
  server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: hub.app.fetch, port: 0, hostname: "127.0.0.1" }, () =>
      resolve(s as Server),
    ) as Server;
  });
  live = await attachLiveSockets(server, {
    db: hub.db,
    subscriber,
    redis,
    redisPrefix: hub.prefix,
    receipts: receiptSinkOf(hub),
    logger: createLogger({ level: "silent", pretty: false }),
  });
  base = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await live?.close();
  await new Promise((resolve) => server?.close(resolve));
  await workers?.close();
  redis.disconnect();
  subscriber.disconnect();
  await hub?.close();
});

async function ticketFor(recipientId: string, key = tenant.key) {
  const res = await hub.request("/api/v1/omni/live-tickets", {
    method: "POST",
    headers: { ...bearer(key), "content-type": "application/json" },
    body: JSON.stringify({ recipientId }),
  });
  return { status: res.status, body: (await res.json()) as { data: { ticket: string; path: string } } };
}

/** Opens a socket; resolves with its frames so far (growing) once the hub says it is ready. */
function connect(path: string): Promise<{ ws: WebSocket; frames: Array<Record<string, unknown>> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://${base}${path}`);
    const frames: Array<Record<string, unknown>> = [];
    ws.on("message", (data) => {
      const frame = JSON.parse(String(data)) as Record<string, unknown>;
      frames.push(frame);
      if (frame.type === "ready") resolve({ ws, frames });
    });
    ws.on("unexpected-response", (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.on("error", reject);
  });
}

describe("in-app notifications", () => {
  it("are stored for the recipient, pushed to their open socket, and listed with read state", async () => {
    const customer = await newCustomer(hub, tenant.tenantId, { language: "en" });
    const someoneElse = await newCustomer(hub, tenant.tenantId);
    const { body } = await ticketFor(customer);
    const mine = await connect(body.data.path);
    const theirs = await connect((await ticketFor(someoneElse)).body.data.path);
    try {
      const created = await postNotification(hub, tenant.key, {
        recipientId: customer,
        channels: ["in_app"],
        templateCode: "TICKET_CREATED",
        templateData: { ticketNumber: "10001", trackingUrl: "https://bank.example/t/10001" },
      });
      const id = created.body.data.id;
      await vi.waitFor(() => expect(mine.frames.filter((f) => f.type === "notification")).toHaveLength(1));
      expect(mine.frames[1]).toMatchObject({
        type: "notification",
        id,
        title: "Ticket 10001 received",
        body: "We have received your request under ticket 10001. We will keep you informed.",
        link: "https://bank.example/t/10001",
      });
      // The push written to the socket is the in-app channel's receipt.
      await vi.waitFor(async () =>
        expect((await getNotification(hub, tenant.key, id)).deliveries[0]?.status).toBe("delivered"),
      );
      expect(theirs.frames.filter((f) => f.type === "notification")).toEqual([]);

      const listed = await hub.request(
        `/api/v1/omni/notifications?recipientId=${customer}&channel=in_app&read=false`,
        {
          headers: bearer(tenant.key),
        },
      );
      const page = (await listed.json()) as { data: Array<{ id: string; inApp: unknown; read: boolean }> };
      expect(page.data).toEqual([
        expect.objectContaining({
          id,
          read: false,
          inApp: {
            title: "Ticket 10001 received",
            body: expect.any(String),
            link: "https://bank.example/t/10001",
          },
        }),
      ]);
      const types = (await eventsOf(hub, tenant.tenantId, id)).map((e) => e.type);
      expect(types).toEqual(["notification.created", "notification.sent", "notification.delivered"]);
    } finally {
      mine.ws.close();
      theirs.ws.close();
    }
  });

  it("without a live socket, the notification waits, stored as sent", async () => {
    const customer = await newCustomer(hub, tenant.tenantId, { language: "id" });
    const created = await postNotification(hub, tenant.key, {
      recipientId: customer,
      channels: ["in_app"],
      templateCode: "OTP_CODE",
      templateData: { code: "123456", validMinutes: 5 },
    });
    await vi.waitFor(async () =>
      expect((await getNotification(hub, tenant.key, created.body.data.id)).deliveries[0]?.status).toBe(
        "sent",
      ),
    );
    expect((await getNotification(hub, tenant.key, created.body.data.id)).inApp).toMatchObject({
      title: "Kode Anda",
    });
  });

  it("opens only with a fresh ticket, once, for a recipient the tenant has", async () => {
    const customer = await newCustomer(hub, tenant.tenantId);
    const { body } = await ticketFor(customer);
    const first = await connect(body.data.path);
    first.ws.close();
    await expect(connect(body.data.path)).rejects.toThrow("HTTP 401");
    await expect(connect("/api/v1/omni/notifications/live?ticket=forged")).rejects.toThrow("HTTP 401");
    await expect(connect("/api/v1/omni/notifications/live")).rejects.toThrow("HTTP 401");
    await expect(connect("/elsewhere")).rejects.toThrow("HTTP 404");
    const unknown = await ticketFor("cus_nobody");
    expect(unknown.status).toBe(400);
    const other = await hub.createTenantWithKey("live-other", ["omni:read"]);
    expect((await ticketFor(customer, other.key)).status).toBe(400);
  });
});
