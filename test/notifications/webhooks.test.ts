import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { relayOutbox } from "../../queues/handlers/outboxRelay.js";
import { bearer, createTestHub, type TestHub } from "../support/testHub.js";
import { startReceiver } from "../webhooks/receiver.js";
import { registerEndpoint, startDeliveryWorkers } from "../webhooks/support.js";
import {
  loadDefaults,
  newCustomer,
  postNotification,
  ScriptedProvider,
  startNotificationWorkers,
} from "./support.js";

let hub: TestHub;
let tenant: { key: string; tenantId: string };
let webhooks: ReturnType<typeof startDeliveryWorkers>;
let notifications: ReturnType<typeof startNotificationWorkers>;

beforeAll(async () => {
  hub = await createTestHub({ WEBHOOK_ALLOWED_NETWORKS: "127.0.0.0/8" });
  await loadDefaults(hub);
  tenant = await hub.createTenantWithKey("hooked-notify", ["omni:read", "omni:write"]);
  webhooks = startDeliveryWorkers(hub);
  notifications = startNotificationWorkers(hub, new ScriptedProvider());
});
afterAll(async () => {
  await notifications?.close();
  await webhooks?.close();
  await hub?.close();
});

describe("notification events", () => {
  it("reach a partner's webhook unchanged, and the recipient's timeline", async () => {
    const receiver = await startReceiver(() => 200);
    try {
      await registerEndpoint(hub, tenant.tenantId, {
        url: receiver.url,
        eventTypes: ["notification.*"],
      });
      const customer = await newCustomer(hub, tenant.tenantId);
      const n = (
        await postNotification(hub, tenant.key, {
          recipientId: customer,
          channels: ["sms"],
          templateCode: "OTP_CODE",
          templateData: { code: "731904", validMinutes: 5 },
        })
      ).body.data;
      await vi.waitFor(
        async () => {
          await relayOutbox(hub.db, hub.producer, [webhooks.subscriber]);
          const types = receiver.received.map((r) => (JSON.parse(r.body) as { type: string }).type);
          expect(types.sort()).toEqual(["notification.created", "notification.sent"]);
        },
        { timeout: 10_000, interval: 200 },
      );
      const sent = receiver.received.map(
        (r) => JSON.parse(r.body) as { type: string; data: Record<string, unknown> },
      );
      expect(sent.find((e) => e.type === "notification.sent")?.data).toEqual({
        notificationId: n.id,
        recipientType: "customer",
        recipientId: customer,
        templateCode: "OTP_CODE",
        deliveryId: n.deliveries[0]?.id,
        channel: "sms",
        status: "sent",
      });
      // The code itself never leaves in an event.
      expect(receiver.received.map((r) => r.body).join()).not.toContain("731904");

      const timeline = await hub.request(`/api/v1/omni/timeline?entityType=customer&entityId=${customer}`, {
        headers: bearer(tenant.key),
      });
      const entries = ((await timeline.json()) as { data: Array<{ eventType: string; summary: string }> })
        .data;
      expect(entries.map((e) => [e.eventType, e.summary])).toEqual([
        ["notification.sent", "Notification sent"],
        ["notification.created", "Notification created"],
      ]);
    } finally {
      await receiver.close();
    }
  });
});
