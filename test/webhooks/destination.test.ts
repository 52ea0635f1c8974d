import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { events, webhookAttempts, webhookDeliveries, webhookEndpoints } from "../../src/db/schema/index.js";
import { recordEvent } from "../../src/events/writer.js";
import { deliverWebhook } from "../../src/webhooks/deliver.js";
import { fanOutEvents } from "../../src/webhooks/fanOut.js";
import { judgeEndpointUrl } from "../../src/webhooks/resolvedDestination.js";
import { createTestHub, type TestHub } from "../support/testHub.js";
import { startReceiver } from "./receiver.js";
import { newTenant, registerEndpoint } from "./support.js";

let hub: TestHub;
beforeAll(async () => {
  hub = await createTestHub({ WEBHOOK_ALLOWED_NETWORKS: "127.0.0.0/8,::1/128", WEBHOOK_TIMEOUT_MS: "2000" });
});
afterAll(async () => {
  await hub?.close();
});

const strict = { allowedNetworks: [], httpsOnly: false };

describe("where webhooks may go", () => {
  it("refuses loopback, private and metadata targets at registration unless allowed", async () => {
    for (const url of [
      "http://127.0.0.1:8080/",
      "http://localhost:8080/",
      "http://169.254.169.254/",
      "http://[::1]/",
    ]) {
      expect(await judgeEndpointUrl(url, strict), url).toMatchObject({ allowed: false });
    }
    expect(await judgeEndpointUrl("http://127.0.0.1:8080/", hub.config.webhooks)).toEqual({ allowed: true });
  });

  it("requires https in production", async () => {
    expect(await judgeEndpointUrl("http://203.0.114.10/", { ...strict, httpsOnly: true })).toEqual({
      allowed: false,
      reason: "Webhook URL must use https",
    });
  });

  it("refuses at delivery a name that resolves to loopback when the allow-list no longer permits it", async () => {
    const tenantId = await newTenant(hub, "rebound");
    const receiver = await startReceiver(() => 200);
    try {
      // Registered while the allow-list permitted loopback; delivered by a worker whose policy does not.
      await registerEndpoint(hub, tenantId, {
        url: `http://localhost:${receiver.port}/hook`,
        eventTypes: ["*"],
      });
      const eventId = await hub.db.transaction((tx) =>
        recordEvent(tx, {
          tenantId,
          type: "TICKET_CREATED",
          subject: { type: "ticket", id: "tkt_x" },
          actor: { type: "system" },
          payload: {},
        }),
      );
      const [event] = await hub.db.select().from(events).where(eq(events.id, eventId));
      if (!event) throw new Error("no event");
      const [delivery] = await fanOutEvents(hub.db, [event]);
      const deliveryId = delivery?.deliveryId;
      const result = await deliverWebhook(
        hub.db,
        { ...hub.config.webhooks, allowedNetworks: [] },
        hub.config.channels.secretKeys,
        deliveryId ?? "",
      );
      expect(result.status).toBe("retry");
      const attempts = await hub.db
        .select()
        .from(webhookAttempts)
        .where(eq(webhookAttempts.deliveryId, deliveryId ?? ""));
      expect(attempts[0]?.error).toMatch(/resolves to a private, loopback or link-local address/);
      expect(receiver.received).toEqual([]);
      // The same delivery, by a worker whose allow-list permits loopback, arrives.
      await hub.db
        .update(webhookDeliveries)
        .set({ nextAttemptAt: new Date() })
        .where(eq(webhookDeliveries.id, deliveryId ?? ""));
      expect(
        (await deliverWebhook(hub.db, hub.config.webhooks, hub.config.channels.secretKeys, deliveryId ?? ""))
          .status,
      ).toBe("succeeded");
      expect(receiver.of(eventId)).toHaveLength(1);
    } finally {
      await receiver.close();
    }
  });
});

describe("endpoint health", () => {
  it("an endpoint failing for longer than WEBHOOK_DISABLE_AFTER_MS is disabled, with an event", async () => {
    const tenantId = await newTenant(hub, "failing");
    const receiver = await startReceiver(() => 500);
    try {
      const created = await registerEndpoint(hub, tenantId, {
        url: receiver.url,
        eventTypes: ["*"],
      });
      const eventId = await hub.db.transaction((tx) =>
        recordEvent(tx, {
          tenantId,
          type: "TICKET_CLOSED",
          subject: { type: "ticket", id: "tkt_y" },
          actor: { type: "system" },
          payload: {},
        }),
      );
      const [event] = await hub.db.select().from(events).where(eq(events.id, eventId));
      if (!event) throw new Error("no event");
      const [delivery] = await fanOutEvents(hub.db, [event]);
      const deliveryId = delivery?.deliveryId;
      const result = await deliverWebhook(
        hub.db,
        { ...hub.config.webhooks, disableAfterMs: 0 },
        hub.config.channels.secretKeys,
        deliveryId ?? "",
      );
      expect(result.status).toBe("retry");
      const [endpoint] = await hub.db
        .select()
        .from(webhookEndpoints)
        .where(eq(webhookEndpoints.id, created.endpoint.id));
      expect(endpoint).toMatchObject({ enabled: false, disabledReason: "every attempt failed for 0 min" });
      const disabledEvents = await hub.db
        .select()
        .from(events)
        .where(eq(events.subjectId, created.endpoint.id));
      expect(disabledEvents.map((e) => e.type)).toEqual(["webhook.endpoint_disabled"]);
    } finally {
      await receiver.close();
    }
  });
});
