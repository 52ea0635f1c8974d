import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bullPrefix, createRedisConnection } from "../../queues/connection.js";
import { relayOutbox } from "../../queues/handlers/outboxRelay.js";
import { webhookSubscriber } from "../../queues/handlers/webhooks.js";
import { Producer } from "../../queues/producer.js";
import { requeueDeliveries } from "../../queues/webhookJobs.js";
import { webhookDeliveries } from "../../src/db/schema/index.js";
import { eventTypes } from "../../src/events/catalog.js";
import { recordEvent } from "../../src/events/writer.js";
import { dueDeliveries } from "../../src/webhooks/sweeper.js";
import { testRedisUrl } from "../support/env.js";
import { unrelayedEventIds } from "../support/outbox.js";
import { createTestHub, type TestHub } from "../support/testHub.js";
import { commitEvent, commitTicketEvents, newTenant, registerEndpoint } from "./support.js";

let hub: TestHub;
beforeAll(async () => {
  hub = await createTestHub({ WEBHOOK_ALLOWED_NETWORKS: "127.0.0.0/8" });
});
afterAll(() => hub.close());

const deliveriesOf = (eventId: string) =>
  hub.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.eventId, eventId));
const queued = async (deliveryId: string) =>
  (await hub.producer.queues["webhook-delivery"].getJob(deliveryId)) !== undefined;
const batchJob = (jobId: string) => hub.producer.queues["webhook-batch"].getJob(jobId);

/** Commits events in one transaction each, then relays them all in one pass. */
async function commitThenRelay(tenantId: string, count: number): Promise<string[]> {
  const ids = await commitTicketEvents(hub, tenantId, "batch", count);
  await relayOutbox(hub.db, hub.producer, [webhookSubscriber(hub.producer)]);
  return ids;
}

async function endpoint(tenantId: string, eventTypes: string[]) {
  const created = await registerEndpoint(hub, tenantId, {
    url: "http://127.0.0.1:9/hook",
    eventTypes,
  });
  return created.endpoint;
}

describe("the relay fans webhook events out in its own transaction", () => {
  it("an event with no destination writes nothing and queues nothing", async () => {
    const subscriber = webhookSubscriber(hub.producer);
    const tenantId = await newTenant(hub, "no-hooks");
    const eventId = await commitEvent(hub, subscriber, tenantId, eventTypes.ticketCreated, {
      ticketNumber: "10000",
    });
    expect(await deliveriesOf(eventId)).toEqual([]);
    expect(await hub.producer.queues["webhook-delivery"].count()).toBe(0);
    expect(await hub.producer.queues["webhook-batch"].count()).toBe(0);
  });

  it("writes one delivery per matching endpoint, queues its batch job, and never sends an internal note", async () => {
    const subscriber = webhookSubscriber(hub.producer);
    const tenantId = await newTenant(hub, "with-hooks");
    const journeys = await endpoint(tenantId, ["omni.journey.*"]);
    const everything = await endpoint(tenantId, ["*"]);
    const journeyEvent = await commitEvent(
      hub,
      subscriber,
      tenantId,
      eventTypes.journeyCreated,
      {},
      {
        type: "journey",
        id: "jrn_test",
      },
    );
    const ticketEvent = await commitEvent(hub, subscriber, tenantId, eventTypes.ticketCreated, {});
    const note = await commitEvent(hub, subscriber, tenantId, eventTypes.commentAdded, { isInternal: true });
    const reply = await commitEvent(hub, subscriber, tenantId, eventTypes.commentAdded, {
      isInternal: false,
    });

    const journeyDeliveries = await deliveriesOf(journeyEvent);
    expect(journeyDeliveries.map((d) => d.endpointId).sort()).toEqual([journeys.id, everything.id].sort());
    expect((await deliveriesOf(ticketEvent)).map((d) => d.endpointId)).toEqual([everything.id]);
    expect(await deliveriesOf(note)).toEqual([]);
    expect((await deliveriesOf(reply)).map((d) => d.endpointId)).toEqual([everything.id]);
    for (const d of journeyDeliveries) {
      // Named by the first event of its relayed batch with a delivery to that endpoint.
      expect(d.batchJobId).toMatch(new RegExp(`^evt_[0-9a-f]{32}\\.${d.endpointId}$`));
      const job = await batchJob(d.batchJobId ?? "");
      expect(job?.data.destination).toBe(d.endpointId);
      expect(job?.data.deliveryIds).toContain(d.id);
      // The first attempt is the batch job's: no single job beside it.
      expect(await queued(d.id)).toBe(false);
    }
  });

  it("queues one job per relayed batch and destination, carrying its deliveries' ids in the events' order", async () => {
    const tenantId = await newTenant(hub, "batched");
    const first = await endpoint(tenantId, ["*"]);
    const second = await endpoint(tenantId, ["TICKET_CREATED"]);
    const eventIds = await commitThenRelay(tenantId, 5);
    for (const target of [first, second]) {
      const rows = await hub.db
        .select()
        .from(webhookDeliveries)
        .where(eq(webhookDeliveries.endpointId, target.id));
      // The tenant's own creation event goes to "*" too: the batch's first event is the oldest row's.
      const ordered = rows.sort((a, b) => a.eventId.localeCompare(b.eventId));
      expect(ordered.slice(-5).map((r) => r.eventId)).toEqual(eventIds);
      const jobId = `${ordered[0]?.eventId}.${target.id}`;
      expect(new Set(rows.map((r) => r.batchJobId))).toEqual(new Set([jobId]));
      const job = await batchJob(jobId);
      expect(job?.data).toEqual({ destination: target.id, deliveryIds: ordered.map((r) => r.id) });
    }
    // The sweeper leaves first attempts whose batch job is in Redis, and queues them once it is gone.
    const rowsOf = await hub.db
      .select()
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.endpointId, first.id));
    const due = (await dueDeliveries(hub.db, 1000)).filter((d) => rowsOf.some((r) => r.id === d.deliveryId));
    expect(due).toHaveLength(rowsOf.length);
    expect(await requeueDeliveries(hub.producer, due, { promote: false })).toBe(0);
    await (await batchJob(rowsOf[0]?.batchJobId ?? ""))?.remove();
    expect(await requeueDeliveries(hub.producer, due, { promote: false })).toBe(rowsOf.length);
    for (const d of due) expect(await queued(d.deliveryId)).toBe(true);
    await hub.producer.queues["webhook-batch"].obliterate({ force: true });
    await hub.producer.queues["webhook-delivery"].obliterate({ force: true });
  });

  it("commits the deliveries with the events even when Redis refuses the jobs; the sweeper queues them", async () => {
    const tenantId = await newTenant(hub, "redis-away");
    await endpoint(tenantId, ["*"]);
    // A producer that can no longer reach Redis: its connection is closed before the relay runs.
    const deadRedis = createRedisConnection(testRedisUrl, "producer");
    deadRedis.on("error", () => undefined);
    const deadProducer = new Producer(deadRedis, bullPrefix(hub.prefix));
    await deadProducer.queues["webhook-delivery"].waitUntilReady();
    deadRedis.disconnect();
    try {
      const eventId = await hub.db.transaction((tx) =>
        recordEvent(tx, {
          tenantId,
          type: eventTypes.ticketClosed,
          subject: { type: "ticket", id: "tkt_away" },
          actor: { type: "system" },
          payload: {},
        }),
      );
      await expect(relayOutbox(hub.db, deadProducer, [webhookSubscriber(deadProducer)])).rejects.toThrow();
      expect(await unrelayedEventIds(hub.db)).toEqual([]);
      const [delivery] = await deliveriesOf(eventId);
      if (!delivery) throw new Error("the delivery was lost with the job");
      expect(await queued(delivery.id)).toBe(false);
      const due = (await dueDeliveries(hub.db, 100)).filter((d) => d.deliveryId === delivery.id);
      expect(await requeueDeliveries(hub.producer, due, { promote: false })).toBe(1);
      expect(await queued(delivery.id)).toBe(true);
      // A second sweep finds the job waiting and adds nothing.
      expect(await requeueDeliveries(hub.producer, due, { promote: false })).toBe(0);
    } finally {
      await deadProducer.close().catch(() => undefined);
      deadRedis.disconnect();
    }
  });
});
