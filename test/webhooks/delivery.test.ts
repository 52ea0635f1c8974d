import crypto from "node:crypto";
import { eq } from "drizzle-orm";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { webhookSweepHandler } from "../../queues/handlers/webhooks.js";
import { webhookAttempts, webhookDeliveries } from "../../src/db/schema/index.js";
import { deleteRedisKeys } from "../support/redis.js";
import { createTestHub, type TestHub } from "../support/testHub.js";
import { startReceiver } from "./receiver.js";
import { commitEvent, newTenant, registerEndpoint, startDeliveryWorkers } from "./support.js";

let hub: TestHub;
let workers: ReturnType<typeof startDeliveryWorkers>;
let tenantId: string;
beforeAll(async () => {
  hub = await createTestHub({
    WEBHOOK_ALLOWED_NETWORKS: "127.0.0.0/8",
    WEBHOOK_RETRY_DELAYS_MS: "50,50",
    WEBHOOK_TIMEOUT_MS: "300",
  });
  workers = startDeliveryWorkers(hub);
  tenantId = await newTenant(hub, "hooked");
});
afterAll(async () => {
  await workers?.close();
  await hub?.close();
});

async function endpointFor(url: string, eventTypes = ["*"]) {
  const created = await registerEndpoint(hub, tenantId, { url, eventTypes });
  // Its secret as the tenant is shown it once (stored sealed).
  return { ...created.endpoint, secret: created.secret };
}

async function deliveriesOf(eventId: string) {
  return hub.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.eventId, eventId));
}

describe("webhook delivery", () => {
  it("signs each request so the document's snippet and the standardwebhooks package both verify it", async () => {
    const receiver = await startReceiver(() => 200);
    const endpoint = await endpointFor(receiver.url);
    try {
      const eventId = await commitEvent(hub, workers.subscriber, tenantId, "STATUS_CHANGED", {
        ticketNumber: "12346",
        channelReferenceId: "wa_msg_123456",
        oldStatus: "OPEN",
        newStatus: "IN_PROGRESS",
        assignedTo: "John Tech",
      });
      await vi.waitFor(() => expect(receiver.of(eventId)).toHaveLength(1));
      const [request] = receiver.of(eventId);
      if (!request) throw new Error("nothing received");
      const payload = JSON.parse(request.body);
      expect(payload).toMatchObject({
        id: eventId,
        event: "STATUS_CHANGED",
        ticketNumber: "12346",
        channelReferenceId: "wa_msg_123456",
        data: { oldStatus: "OPEN", newStatus: "IN_PROGRESS", assignedTo: "John Tech" },
      });
      // The service desk document's snippet, unchanged.
      const WEBHOOK_SECRET = endpoint.secret;
      const signature = crypto
        .createHmac("sha256", WEBHOOK_SECRET)
        .update(JSON.stringify(payload))
        .digest("hex");
      expect(request.headers["x-webhook-signature"]).toBe(signature);
      const headers = request.headers as Record<string, string>;
      expect(new Webhook(endpoint.secret).verify(request.body, headers)).toEqual(payload);
      expect(headers["webhook-id"]).toBe(eventId);
      await vi.waitFor(async () => expect((await deliveriesOf(eventId))[0]?.status).toBe("succeeded"));
    } finally {
      await receiver.close();
    }
  });

  it("a receiver answering 500 then 200 gets the event once as a success, after one retry", async () => {
    tenantId = await newTenant(hub, "retried");
    const receiver = await startReceiver((i) => (i === 0 ? 500 : 200));
    await endpointFor(receiver.url, ["TICKET_CREATED"]);
    try {
      const other = await commitEvent(hub, workers.subscriber, tenantId, "STATUS_CHANGED", {});
      const eventId = await commitEvent(hub, workers.subscriber, tenantId, "TICKET_CREATED", {});
      await vi.waitFor(async () =>
        expect((await deliveriesOf(eventId)).map((d) => d.status)).toEqual(["succeeded"]),
      );
      const [delivery] = await deliveriesOf(eventId);
      const attempts = await hub.db
        .select()
        .from(webhookAttempts)
        .where(eq(webhookAttempts.deliveryId, delivery?.id ?? ""));
      expect(attempts.map((a) => a.statusCode).sort()).toEqual([200, 500]);
      expect(attempts.find((a) => a.statusCode === 500)?.responseExcerpt).toBe("partner says no");
      expect(receiver.of(eventId)).toHaveLength(2);
      expect(delivery?.attemptCount).toBe(2);
      expect(await deliveriesOf(other)).toEqual([]); // the endpoint takes TICKET_CREATED only
    } finally {
      await receiver.close();
    }
  });

  it("a receiver that never answers is retried on schedule, then the delivery fails", async () => {
    tenantId = await newTenant(hub, "silent");
    const receiver = await startReceiver(() => undefined);
    await endpointFor(receiver.url);
    try {
      const eventId = await commitEvent(hub, workers.subscriber, tenantId, "TICKET_CLOSED", {});
      await vi.waitFor(async () => expect((await deliveriesOf(eventId))[0]?.status).toBe("failed"), {
        timeout: 10_000,
      });
      expect(receiver.of(eventId)).toHaveLength(3); // at once, then the schedule's two retries
      const [delivery] = await deliveriesOf(eventId);
      const attempts = await hub.db
        .select()
        .from(webhookAttempts)
        .where(eq(webhookAttempts.deliveryId, delivery?.id ?? ""));
      expect(attempts.map((a) => a.error)).toEqual(Array(3).fill("no answer within 300 ms"));
    } finally {
      await receiver.close();
    }
  });

  it("internal notes never leave", async () => {
    tenantId = await newTenant(hub, "internal");
    const receiver = await startReceiver(() => 200);
    await endpointFor(receiver.url);
    try {
      const note = await commitEvent(hub, workers.subscriber, tenantId, "COMMENT_ADDED", {
        isInternal: true,
      });
      const reply = await commitEvent(hub, workers.subscriber, tenantId, "COMMENT_ADDED", {
        isInternal: false,
      });
      await vi.waitFor(async () => expect((await deliveriesOf(reply))[0]?.status).toBe("succeeded"));
      expect(await deliveriesOf(note)).toEqual([]);
      expect(receiver.of(note)).toEqual([]);
      expect(receiver.of(reply)).toHaveLength(1);
    } finally {
      await receiver.close();
    }
  });

  it("loses no delivery when Redis loses its data in the middle of a run: the sweeper re-enqueues", async () => {
    tenantId = await newTenant(hub, "flushed");
    const receiver = await startReceiver(() => 200);
    await endpointFor(receiver.url);
    try {
      const ids: string[] = [];
      // Delivery jobs wait in Redis (the queue is paused) when Redis loses everything.
      await hub.producer.queues["webhook-delivery"].pause();
      for (let i = 0; i < 5; i++)
        ids.push(await commitEvent(hub, workers.subscriber, tenantId, "TICKET_CREATED", { i }));
      await vi.waitFor(async () => expect((await Promise.all(ids.map(deliveriesOf))).flat()).toHaveLength(5));
      await deleteRedisKeys(hub.prefix);
      const [first] = (await Promise.all(ids.map(deliveriesOf))).flat();
      expect(await hub.producer.queues["webhook-delivery"].getJob(first?.id ?? "")).toBeUndefined();
      // The sweeper's scheduled tick went with Redis too (the keeper recreates it in a hub): run it by hand.
      await vi.waitFor(
        async () => {
          await hub.producer.enqueue("webhook-sweep", {});
          const statuses = (await Promise.all(ids.map(deliveriesOf))).flat().map((d) => d.status);
          expect(statuses).toEqual(Array(5).fill("succeeded"));
        },
        { timeout: 15_000, interval: 200 },
      );
      for (const id of ids) expect(receiver.of(id).length).toBeGreaterThanOrEqual(1);
    } finally {
      await receiver.close();
    }
  });

  it("a backlog of many pages comes back in one sweep, not one page a tick", async () => {
    tenantId = await newTenant(hub, "paged");
    const receiver = await startReceiver(() => 200);
    await endpointFor(receiver.url);
    try {
      const ids: string[] = [];
      // First attempts go in batch jobs: both queues wait when Redis loses everything.
      await hub.producer.queues["webhook-batch"].pause();
      await hub.producer.queues["webhook-delivery"].pause();
      for (let i = 0; i < 12; i++)
        ids.push(await commitEvent(hub, workers.subscriber, tenantId, "TICKET_CREATED", { i }));
      await vi.waitFor(async () =>
        expect((await Promise.all(ids.map(deliveriesOf))).flat()).toHaveLength(12),
      );
      await deleteRedisKeys(hub.prefix);
      // Pages of 5 here (1,000 in the hub): the 12 lost jobs come back in one tick of three pages.
      const tick = webhookSweepHandler({ db: hub.db, producer: hub.producer }, { size: 5, max: 5 });
      // (Other tests' deliveries still due, if any, come back with them.)
      expect((await tick()).requeued).toBeGreaterThanOrEqual(12);
      await vi.waitFor(
        async () => {
          const statuses = (await Promise.all(ids.map(deliveriesOf))).flat().map((d) => d.status);
          expect(statuses).toEqual(Array(12).fill("succeeded"));
        },
        { timeout: 15_000, interval: 200 },
      );
      for (const id of ids) expect(receiver.of(id)).toHaveLength(1);
    } finally {
      await receiver.close();
    }
  });
});
