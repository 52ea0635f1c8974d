import crypto from "node:crypto";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { relayOutbox } from "../../queues/handlers/outboxRelay.js";
import { docExamples, partnerOf } from "../support/serviceDesk.js";
import { bearer, createTestHub, type TestHub } from "../support/testHub.js";
import { startReceiver } from "./receiver.js";
import { startDeliveryWorkers } from "./support.js";

let hub: TestHub;
let workers: ReturnType<typeof startDeliveryWorkers>;
beforeAll(async () => {
  hub = await createTestHub({ WEBHOOK_ALLOWED_NETWORKS: "127.0.0.0/8" });
  workers = startDeliveryWorkers(hub);
});
afterAll(async () => {
  await workers?.close();
  await hub?.close();
});

describe("a ticket's own integration.webhookUrl", () => {
  it("gets the ticket's events in the document's format, signed with the tenant's ticket webhook secret", async () => {
    const receiver = await startReceiver(() => 200);
    try {
      const partner = await partnerOf(hub, "ticket-hooks", ["omnichannel:create", "webhooks:write"]);
      const secret = (
        (await (
          await hub.request("/api/v1/webhooks/ticket-secret", { headers: bearer(partner.key) })
        ).json()) as {
          data: { secret: string };
        }
      ).data.secret;
      const created = await partner.post("/api/omnichannel/tickets", {
        ...docExamples.ticket,
        integration: { ...docExamples.ticket.integration, webhookUrl: receiver.url },
      });
      expect(created.status).toBe(201);
      await relayOutbox(hub.db, hub.producer, [workers.subscriber]);
      await vi.waitFor(() =>
        expect(receiver.received.some((r) => JSON.parse(r.body).event === "TICKET_CREATED")).toBe(true),
      );
      const request = receiver.received.find((r) => JSON.parse(r.body).event === "TICKET_CREATED");
      if (!request) throw new Error("not received");
      const payload = JSON.parse(request.body);
      expect(payload).toMatchObject({
        event: "TICKET_CREATED",
        ticketNumber: created.body.ticketNumber,
        channelReferenceId: "wa_msg_123456",
        data: { status: "OPEN", priority: "HIGH" },
      });
      expect(JSON.stringify(payload)).not.toContain("jane.smith@email.com");
      const WEBHOOK_SECRET = secret;
      const signature = crypto
        .createHmac("sha256", WEBHOOK_SECRET)
        .update(JSON.stringify(payload))
        .digest("hex");
      expect(request.headers["x-webhook-signature"]).toBe(signature);
      expect(new Webhook(secret).verify(request.body, request.headers as Record<string, string>)).toEqual(
        payload,
      );
    } finally {
      await receiver.close();
    }
  });
});
