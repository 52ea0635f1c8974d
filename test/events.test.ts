import { QueueEvents } from "bullmq";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { bullPrefix } from "../queues/connection.js";
import type { EventSubscriber } from "../queues/handlers/domainEvents.js";
import { relayOutbox } from "../queues/handlers/outboxRelay.js";
import { scheduleRecurringJobs } from "../queues/schedules.js";
import type { EventRow } from "../src/db/schema/index.js";
import { events, tenants } from "../src/db/schema/index.js";
import { eventTypes } from "../src/events/catalog.js";
import { recordEvent } from "../src/events/writer.js";
import { newId } from "../src/ids.js";
import { createTenant } from "../src/tenants/service.js";
import { testRedisUrl } from "./support/env.js";
import { putBackInOutbox, unrelayedEventIds } from "./support/outbox.js";
import { createTestHub, type TestHub } from "./support/testHub.js";
import { startTestWorkers } from "./support/workers.js";

let hub: TestHub;
beforeAll(async () => {
  hub = await createTestHub();
});
afterAll(async () => {
  await hub.close();
});

const system = { type: "system" } as const;
const everything: EventSubscriber = { name: "everything", wants: () => true, handle: async () => undefined };

describe("the event writer", () => {
  it("commits the event with the state change", async () => {
    const result = await createTenant(hub.db, { slug: "evented", name: "Evented" }, system);
    if (!result.ok) throw new Error("tenant not created");
    const rows = await hub.db.select().from(events).where(eq(events.subjectId, result.tenant.id));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      tenantId: result.tenant.id,
      type: "tenant.created",
      subjectType: "tenant",
      actorType: "system",
      payload: { slug: "evented", name: "Evented" },
    });
    expect(rows[0]?.id).toMatch(/^evt_[0-9a-f]{32}$/);
    // In the relay's outbox, by the statement that inserted it.
    expect(await unrelayedEventIds(hub.db, [rows[0]?.id ?? ""])).toEqual([rows[0]?.id]);
  });

  it("rolls the event back with a failed state change: nothing is half-written", async () => {
    const tenantId = newId("tenant");
    await expect(
      hub.db.transaction(async (tx) => {
        await tx.insert(tenants).values({ id: tenantId, slug: "half-written", name: "Half" });
        await recordEvent(tx, {
          tenantId,
          type: eventTypes.tenantCreated,
          subject: { type: "tenant", id: tenantId },
          actor: system,
          payload: {},
        });
        throw new Error("the state change fails after the event was written");
      }),
    ).rejects.toThrow("fails after");
    expect(await hub.db.select().from(tenants).where(eq(tenants.id, tenantId))).toEqual([]);
    expect(await hub.db.select().from(events).where(eq(events.tenantId, tenantId))).toEqual([]);
  });
});

describe("the outbox relay", () => {
  it("moves the outbox's events to the domain-events queue once, keyed by event id", async () => {
    const created = await createTenant(hub.db, { slug: "relayed", name: "Relayed" }, system);
    if (!created.ok) throw new Error("tenant not created");
    const moved = await relayOutbox(hub.db, hub.producer, [everything]);
    expect(moved).toBeGreaterThanOrEqual(1);
    const [event] = await hub.db.select().from(events).where(eq(events.subjectId, created.tenant.id));
    if (!event) throw new Error("no event");
    expect(await unrelayedEventIds(hub.db, [event.id])).toEqual([]);

    const job = await hub.producer.queues["domain-events"].getJob(`${event.id}.everything`);
    expect(job?.data).toEqual({
      eventId: event.id,
      tenantId: created.tenant.id,
      type: "tenant.created",
      subscriber: "everything",
    });
    expect(await relayOutbox(hub.db, hub.producer, [everything])).toBe(0);

    // A relay that dies after enqueueing but before its commit runs again: the job id absorbs the repeat.
    await putBackInOutbox(hub.db, event);
    const before = await hub.producer.queues["domain-events"].getJobCountByTypes("waiting", "completed");
    expect(await relayOutbox(hub.db, hub.producer, [everything])).toBe(1);
    expect(await hub.producer.queues["domain-events"].getJobCountByTypes("waiting", "completed")).toBe(
      before,
    );
  });

  it("takes events nobody subscribes to out of the outbox without making jobs of them", async () => {
    const created = await createTenant(hub.db, { slug: "unwanted", name: "Unwanted" }, system);
    if (!created.ok) throw new Error("tenant not created");
    expect(
      await relayOutbox(hub.db, hub.producer, [
        { ...everything, wants: (type) => type !== "tenant.created" },
      ]),
    ).toBeGreaterThanOrEqual(1);
    const [event] = await hub.db.select().from(events).where(eq(events.subjectId, created.tenant.id));
    expect(await unrelayedEventIds(hub.db, [event?.id ?? ""])).toEqual([]);
    expect(await hub.producer.queues["domain-events"].getJob(`${event?.id}.everything`)).toBeUndefined();
  });

  it("runs on its schedule in the worker and hands committed events to subscribers", async () => {
    const seen: EventRow[] = [];
    let notify: () => void = () => undefined;
    const subscriber: EventSubscriber = {
      name: "test-subscriber",
      wants: (type) => type === "tenant.created",
      handle: async (event) => {
        seen.push(event);
        notify();
      },
    };
    const { connection, pool } = startTestWorkers(hub, { subscribers: [subscriber] });
    try {
      await scheduleRecurringJobs(hub.producer, { outboxRelayIntervalMs: 100, slaScanIntervalMs: 60_000 });
      const arrived = new Promise<void>((resolve) => {
        notify = () => {
          if (seen.some((e) => e.payload.slug === "scheduled")) resolve();
        };
      });
      const created = await createTenant(hub.db, { slug: "scheduled", name: "Scheduled" }, system);
      if (!created.ok) throw new Error("tenant not created");
      await arrived;
      const event = seen.find((e) => e.subjectId === created.tenant.id);
      expect(event).toMatchObject({ type: "tenant.created", tenantId: created.tenant.id });
      await pool.close(); // waits for the relay job in hand, which counts what it moved
      expect(await hub.metrics.registry.getSingleMetricAsString("switchboard_events_relayed_total")).toMatch(
        /switchboard_events_relayed_total [1-9]/,
      );
    } finally {
      await pool.close();
      await hub.producer.queues["outbox-relay"].removeJobScheduler("outbox-relay-tick");
      await hub.producer.queues["sla-breach-scan"].removeJobScheduler("sla-breach-scan-tick");
      connection.disconnect();
    }
  });
});

describe("one job per subscriber", () => {
  it("a failing subscriber neither re-runs nor loses the event for another", async () => {
    const handled: string[] = [];
    let failures = 0;
    const steady: EventSubscriber = {
      name: "steady",
      wants: (type) => type === "tenant.created",
      handle: async (event) => void handled.push(event.id),
    };
    const failing: EventSubscriber = {
      name: "failing",
      wants: (type) => type === "tenant.created",
      handle: async () => {
        failures++;
        throw new Error("this subscriber always fails");
      },
    };
    const queue = hub.producer.queues["domain-events"];
    await queue.drain(true);
    const created = await createTenant(hub.db, { slug: "isolated", name: "Isolated" }, system);
    if (!created.ok) throw new Error("tenant not created");
    await relayOutbox(hub.db, hub.producer, [steady, failing]);
    const [event] = await hub.db.select().from(events).where(eq(events.subjectId, created.tenant.id));
    if (!event) throw new Error("no event");
    const events$ = new QueueEvents("domain-events", {
      connection: { url: testRedisUrl },
      prefix: bullPrefix(hub.prefix),
    });
    await events$.waitUntilReady();
    const { connection, pool } = startTestWorkers(hub, {
      queues: ["domain-events"],
      subscribers: [steady, failing],
    });
    try {
      const steadyJob = await queue.getJob(`${event.id}.steady`);
      await steadyJob?.waitUntilFinished(events$);
      await vi.waitFor(async () => expect(failures).toBeGreaterThanOrEqual(2), {
        timeout: 10_000,
        interval: 50,
      });
      // The failing subscriber was retried on its own: the steady one ran exactly once.
      expect(handled.filter((id) => id === event.id)).toEqual([event.id]);
      expect(await (await queue.getJob(`${event.id}.steady`))?.isCompleted()).toBe(true);
    } finally {
      await pool.close();
      await events$.close();
      connection.disconnect();
    }
  });
});
