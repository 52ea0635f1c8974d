import { eq, inArray, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { relayOutbox } from "../../queues/handlers/outboxRelay.js";
import { webhookDeliveries } from "../../src/db/schema/index.js";
import { createTestHub, type TestHub } from "../support/testHub.js";
import { startReceiver } from "./receiver.js";
import { endpointWithEvents, startDeliveryWorkers } from "./support.js";

let hub: TestHub;
let workers: ReturnType<typeof startDeliveryWorkers>;
beforeAll(async () => {
  hub = await createTestHub({ WEBHOOK_ALLOWED_NETWORKS: "127.0.0.0/8", WEBHOOK_RETRY_DELAYS_MS: "3600000" });
  workers = startDeliveryWorkers(hub);
});
afterAll(async () => {
  await workers?.close();
  await hub?.close();
});

const batchQueue = () => hub.producer.queues["webhook-batch"];

/**
 * Commits `count` events of a tenant with one endpoint, and relays them in one pass while batch
 * jobs wait (the queue paused): one batch job carries all their deliveries. Answers the deliveries
 * in the events' order.
 */
async function relayedBatch(slug: string, url: string, count: number) {
  const eventIds = await endpointWithEvents(hub, slug, url, count);
  await batchQueue().pause();
  await relayOutbox(hub.db, hub.producer, [workers.subscriber]);
  const rows = await hub.db
    .select()
    .from(webhookDeliveries)
    .where(inArray(webhookDeliveries.eventId, eventIds));
  const byEvent = new Map(rows.map((r) => [r.eventId, r]));
  const deliveries = eventIds.map((id) => {
    const row = byEvent.get(id);
    if (!row) throw new Error("a delivery is missing");
    return row;
  });
  expect(new Set(deliveries.map((d) => d.batchJobId)).size).toBe(1);
  return { eventIds, deliveries };
}

async function statusesOf(ids: string[]) {
  const rows = await hub.db
    .select({ id: webhookDeliveries.id, status: webhookDeliveries.status })
    .from(webhookDeliveries)
    .where(inArray(webhookDeliveries.id, ids));
  const byId = new Map(rows.map((r) => [r.id, r.status]));
  return ids.map((id) => byId.get(id));
}

describe("a batch job of one relayed batch's deliveries to one endpoint", () => {
  it("sends each delivery once, and leaves one another worker holds to a single job once the hold lapses", async () => {
    const receiver = await startReceiver(() => 200);
    try {
      const { eventIds, deliveries } = await relayedBatch("batch-held", receiver.url, 6);
      const held = deliveries[2];
      if (!held) throw new Error("no third delivery");
      // Another worker holds the third (a single job mid-attempt, or a crashed worker's) for a second.
      await hub.db
        .update(webhookDeliveries)
        .set({ lockedUntil: sql`now() + interval '1 second'` })
        .where(eq(webhookDeliveries.id, held.id));
      const heldBefore = await deferrals("held");
      await batchQueue().resume();
      const ids = deliveries.map((d) => d.id);
      await vi.waitFor(async () => expect(await statusesOf(ids)).toEqual(Array(6).fill("succeeded")), {
        timeout: 15_000,
        interval: 100,
      });
      for (const id of eventIds) expect(receiver.of(id)).toHaveLength(1);
      expect(await deferrals("held")).toBe(heldBefore + 1);
      // Its attempt was a single job of its own, named as a first attempt's.
      expect(await hub.producer.queues["webhook-delivery"].getJob(held.id)).toBeDefined();
    } finally {
      await receiver.close();
    }
  });

  it("run again, sends only the first attempts still open: not a delivery done, nor one waiting for its retry", async () => {
    const receiver = await startReceiver(() => 200);
    try {
      const { eventIds, deliveries } = await relayedBatch("batch-again", receiver.url, 3);
      const [done, retrying, open] = deliveries;
      if (!done || !retrying || !open) throw new Error("three deliveries expected");
      // As an earlier run would have left them: the first sent, the second failed once and due later.
      await hub.db
        .update(webhookDeliveries)
        .set({ status: "succeeded", attemptCount: 1, completedAt: sql`now()` })
        .where(eq(webhookDeliveries.id, done.id));
      await hub.db
        .update(webhookDeliveries)
        .set({ attemptCount: 1, nextAttemptAt: sql`now() + interval '1 hour'`, lastError: "HTTP 500" })
        .where(eq(webhookDeliveries.id, retrying.id));
      const jobId = open.batchJobId ?? "";
      await batchQueue().resume();
      await vi.waitFor(async () => expect(await statusesOf([open.id])).toEqual(["succeeded"]), {
        timeout: 10_000,
        interval: 100,
      });
      await vi.waitFor(async () => expect(await batchQueue().getJobState(jobId)).toBe("completed"));
      expect(receiver.of(eventIds[2] ?? "")).toHaveLength(1);
      expect(receiver.of(eventIds[0] ?? "")).toEqual([]);
      expect(receiver.of(eventIds[1] ?? "")).toEqual([]);
      expect(await statusesOf([retrying.id])).toEqual(["pending"]);
    } finally {
      await receiver.close();
    }
  });
});

async function deferrals(reason: string): Promise<number> {
  const metric = await hub.metrics.webhookDeferrals.get();
  return metric.values.find((v) => v.labels.reason === reason)?.value ?? 0;
}
