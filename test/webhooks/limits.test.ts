import { eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { bullPrefix, createRedisConnection } from "../../queues/connection.js";
import { webhookDeliveries } from "../../src/db/schema/index.js";
import { createLogger } from "../../src/logger.js";
import { destinationLimiter } from "../../src/webhooks/destinationLimiter.js";
import { testRedisUrl } from "../support/env.js";
import { createTestHub, type TestHub } from "../support/testHub.js";
import { gate, startReceiver } from "./receiver.js";
import { commitEvent, newTenant, registerEndpoint, startDeliveryWorkers } from "./support.js";

let hub: TestHub;
let workers: ReturnType<typeof startDeliveryWorkers>;
const redis = createRedisConnection(testRedisUrl, "client");
beforeAll(async () => {
  // A long timeout: a slow partner's requests stay open until the test answers them.
  hub = await createTestHub({
    WEBHOOK_ALLOWED_NETWORKS: "127.0.0.0/8",
    WEBHOOK_TIMEOUT_MS: "15000",
    WEBHOOK_WORKER_CONCURRENCY: "20",
  });
  workers = startDeliveryWorkers(hub);
});
afterAll(async () => {
  await workers?.close();
  await hub?.close();
  redis.disconnect();
});

async function endpointFor(
  tenantId: string,
  url: string,
  limits: { maxConcurrency?: number; rateLimitPerSecond?: number },
) {
  const created = await registerEndpoint(hub, tenantId, {
    url,
    eventTypes: ["*"],
    ...limits,
  });
  return created.endpoint;
}

async function statuses(eventIds: string[]) {
  const rows = await hub.db
    .select({ status: webhookDeliveries.status })
    .from(webhookDeliveries)
    .where(inArray(webhookDeliveries.eventId, eventIds));
  return rows.map((r) => r.status);
}

/** A limiter on the test hub's key prefix, as a worker process has one. */
const newLimiter = () =>
  destinationLimiter(redis, bullPrefix(hub.prefix), createLogger({ level: "silent", pretty: false }));

describe("the destination limiter (Redis)", () => {
  it("grants a destination's slots up to its concurrency, and one more once a holder releases", async () => {
    const limiter = newLimiter();
    const limits = { maxConcurrency: 2, ratePerSecond: 1000 };
    const first = await limiter.acquire("whe_a", "job-1", limits, 60_000);
    const second = await limiter.acquire("whe_a", "job-2", limits, 60_000);
    const third = await limiter.acquire("whe_a", "job-3", limits, 60_000);
    expect([first.granted, second.granted, third.granted]).toEqual([true, true, false]);
    expect(third).toMatchObject({ reason: "concurrency" });
    // Another destination has slots of its own.
    expect((await limiter.acquire("whe_b", "job-4", limits, 60_000)).granted).toBe(true);
    if (first.granted) first.release();
    expect((await limiter.acquire("whe_a", "job-3", limits, 60_000)).granted).toBe(true);
  });

  it("answers asks made together (one script call) as if made one after another, releases first", async () => {
    const limiter = newLimiter();
    const limits = { maxConcurrency: 2, ratePerSecond: 1000 };
    const together = await Promise.all(
      ["job-1", "job-2", "job-3"].map((job) => limiter.acquire("whe_together", job, limits, 60_000)),
    );
    expect(together.map((p) => p.granted)).toEqual([true, true, false]);
    const [first, second] = together;
    if (!first?.granted || !second?.granted) throw new Error("expected two slots");
    // A release and an ask in the same turn: the slot freed is free for the ask.
    first.release();
    const [third, fourth] = await Promise.all([
      limiter.acquire("whe_together", "job-3", limits, 60_000),
      limiter.acquire("whe_together", "job-4", limits, 60_000),
    ]);
    expect([third?.granted, fourth?.granted]).toEqual([true, false]);
    expect(await redis.zrange(`${bullPrefix(hub.prefix)}:webhook-lease:whe_together`, 0, -1)).toEqual(
      expect.arrayContaining(["job-2", "job-3"]),
    );
  });

  it("counts lines' leases of several processes and single jobs' slots together against the concurrency", async () => {
    const limiter = newLimiter();
    const limits = { maxConcurrency: 5, ratePerSecond: 1000 };
    const none = { count: 0, totalMs: 0 };
    const lease = (owner: string, holding: number, wanted: number, ended = none) =>
      limiter.lease("whe_lines", owner, limits, 60_000, { holding, wanted, ended });
    expect(await lease("process-a", 0, 3)).toEqual({ granted: 3 });
    expect((await limiter.acquire("whe_lines", "job-1", limits, 60_000)).granted).toBe(true);
    // One slot is left for the other process's line, whatever it asks for.
    expect(await lease("process-b", 0, 4)).toMatchObject({ granted: 1, refused: { reason: "concurrency" } });
    expect((await limiter.acquire("whe_lines", "job-2", limits, 60_000)).granted).toBe(false);
    // Two of the first line's attempts ended: its next call gives their slots back while asking.
    expect(await lease("process-a", 1, 0, { count: 2, totalMs: 20 })).toEqual({ granted: 0 });
    expect(await lease("process-b", 1, 4)).toMatchObject({ granted: 2, refused: { reason: "concurrency" } });
    // A line with nothing running leaves the lease set.
    expect(await lease("process-a", 0, 0, { count: 1, totalMs: 10 })).toEqual({ granted: 0 });
    expect(await redis.zrange(`${bullPrefix(hub.prefix)}:webhook-lease:whe_lines`, 0, -1)).toEqual(
      expect.arrayContaining(["job-1", "process-b"]),
    );
    expect(await redis.hgetall(`${bullPrefix(hub.prefix)}:webhook-held:whe_lines`)).toEqual({
      "process-b": "3",
    });
  });

  it("frees a crashed process's line slots once its lease lapses", async () => {
    const limiter = newLimiter();
    const limits = { maxConcurrency: 2, ratePerSecond: 1000 };
    const ask = { holding: 0, wanted: 2, ended: { count: 0, totalMs: 0 } };
    expect(await limiter.lease("whe_line_crash", "dead", limits, 200, ask)).toEqual({ granted: 2 });
    // Never called again: its process died. Nothing is granted until the lease runs out.
    expect((await limiter.lease("whe_line_crash", "alive", limits, 60_000, ask)).granted).toBe(0);
    expect((await limiter.acquire("whe_line_crash", "job-next", limits, 60_000)).granted).toBe(false);
    await vi.waitFor(
      async () =>
        expect((await limiter.lease("whe_line_crash", "alive", limits, 60_000, ask)).granted).toBe(2),
      { timeout: 5000, interval: 50 },
    );
    expect(await redis.hkeys(`${bullPrefix(hub.prefix)}:webhook-held:whe_line_crash`)).toEqual(["alive"]);
  });

  it("grants a line at most ratePerSecond starts in a second, and says when the next fits", async () => {
    const limiter = newLimiter();
    const limits = { maxConcurrency: 100, ratePerSecond: 4 };
    const none = { count: 0, totalMs: 0 };
    const first = await limiter.lease("whe_line_rate", "p", limits, 60_000, {
      holding: 0,
      wanted: 10,
      ended: none,
    });
    expect(first).toMatchObject({ granted: 4, refused: { reason: "rate" } });
    expect(first.refused?.retryAfterMs).toBeGreaterThan(150);
    expect(first.refused?.retryAfterMs).toBeLessThanOrEqual(251);
    // A single job shares the pace: it gets a turn after the line's starts.
    const single = await limiter.acquire("whe_line_rate", "job-1", limits, 60_000);
    expect(single).toMatchObject({ granted: false, reason: "rate" });
  });

  it("frees a crashed holder's slot once its lease lapses", async () => {
    const limiter = newLimiter();
    const limits = { maxConcurrency: 1, ratePerSecond: 1000 };
    expect((await limiter.acquire("whe_crash", "job-dead", limits, 200)).granted).toBe(true);
    // Never released: the holder died. Another job is refused until the lease runs out, then served.
    expect((await limiter.acquire("whe_crash", "job-next", limits, 60_000)).granted).toBe(false);
    await vi.waitFor(
      async () => expect((await limiter.acquire("whe_crash", "job-next", limits, 60_000)).granted).toBe(true),
      {
        timeout: 5000,
        interval: 50,
      },
    );
  });

  it("starts at most ratePerSecond attempts in a second, and gives each job refused its own turn", async () => {
    const limiter = newLimiter();
    const limits = { maxConcurrency: 100, ratePerSecond: 3 };
    const permits = [];
    for (let i = 0; i < 6; i++) permits.push(await limiter.acquire("whe_rate", `job-${i}`, limits, 60_000));
    expect(permits.map((p) => p.granted)).toEqual([true, true, true, false, false, false]);
    const waits = permits.slice(3).map((p) => {
      if (p.granted || p.reason !== "rate") throw new Error("expected a refusal by rate");
      return p.retryAfterMs;
    });
    // One turn a third of a second apart, in the order asked: a backlog is paced, not polled.
    for (const [i, wait] of waits.entries()) {
      expect(wait).toBeGreaterThan(333 * (i + 1) - 100);
      expect(wait).toBeLessThanOrEqual(333 * (i + 1) + 1);
    }
    // Asking again before its turn takes no new turn: it is told the same instant.
    const early = await limiter.acquire("whe_rate", "job-5", limits, 60_000);
    expect(early).toMatchObject({ granted: false, reason: "rate" });
    if (!early.granted) expect(early.retryAfterMs).toBeLessThanOrEqual(waits[2] ?? 0);
    const later = await limiter.acquire("whe_rate", "job-6", limits, 60_000);
    if (later.granted) throw new Error("expected a refusal");
    expect(later.retryAfterMs).toBeGreaterThan(waits[2] ?? 0);
    // A refusal by rate takes no concurrency slot: only the three granted hold one.
    expect(await redis.zcard(`${bullPrefix(hub.prefix)}:webhook-lease:whe_rate`)).toBe(3);
    // At its turn the job is let through.
    await new Promise((resolve) => setTimeout(resolve, waits[0] ?? 0));
    expect((await limiter.acquire("whe_rate", "job-3", limits, 60_000)).granted).toBe(true);
  });

  it("paces a slow destination's starts at what its concurrency carries, from its attempts' durations", async () => {
    const limiter = newLimiter();
    const limits = { maxConcurrency: 2, ratePerSecond: 1000 };
    const first = await limiter.acquire("whe_slow", "job-a", limits, 60_000);
    if (!first.granted) throw new Error("expected a slot");
    await new Promise((resolve) => setTimeout(resolve, 400));
    first.release();
    // Attempts of about 400 ms on two slots: about one start per 200 ms, not 1000 a second.
    const turns = [];
    for (let i = 0; i < 12; i++) turns.push(await limiter.acquire("whe_slow", `job-${i}`, limits, 60_000));
    const refused = turns.filter((p) => !p.granted);
    expect(refused.length).toBeGreaterThan(0);
    const last = turns.at(-1);
    if (last?.granted !== false) throw new Error("expected the last to wait");
    expect(last.reason).toBe("rate");
    expect(last.retryAfterMs).toBeGreaterThan(900);
  });
});

describe("per-endpoint limits in delivery", () => {
  it("a slow endpoint with many deliveries does not delay a fast one's, and never gets more than its concurrency", async () => {
    const slowGate = gate();
    const slow = await startReceiver(() => slowGate.answer(200));
    const fast = await startReceiver(() => 200);
    try {
      const slowTenant = await newTenant(hub, "slow-partner");
      const fastTenant = await newTenant(hub, "fast-partner");
      await endpointFor(slowTenant, slow.url, { maxConcurrency: 2 });
      await endpointFor(fastTenant, fast.url, {});
      // More slow deliveries than the worker has slots (20): without limits they would take them all.
      const slowEvents: string[] = [];
      for (let i = 0; i < 30; i++)
        slowEvents.push(await commitEvent(hub, workers.subscriber, slowTenant, "TICKET_CREATED", { i }));
      await slow.until(2);
      const fastEvents: string[] = [];
      for (let i = 0; i < 10; i++)
        fastEvents.push(await commitEvent(hub, workers.subscriber, fastTenant, "TICKET_CREATED", { i }));
      await vi.waitFor(async () => expect(await statuses(fastEvents)).toEqual(Array(10).fill("succeeded")), {
        timeout: 10_000,
        interval: 100,
      });
      // Every fast delivery went through while the slow partner still held its first two requests.
      expect(slow.received).toHaveLength(2);
      expect(slow.load.inFlight).toBe(2);
      expect(await statuses(slowEvents)).toEqual(Array(30).fill("pending"));
      expect(await deferrals("concurrency")).toBeGreaterThan(0);

      slowGate.open();
      await vi.waitFor(async () => expect(await statuses(slowEvents)).toEqual(Array(30).fill("succeeded")), {
        timeout: 30_000,
        interval: 200,
      });
      expect(slow.load.maxInFlight).toBe(2);
      for (const id of slowEvents) expect(slow.of(id)).toHaveLength(1);
      for (const id of fastEvents) expect(fast.of(id)).toHaveLength(1);
    } finally {
      await slow.close();
      await fast.close();
    }
  });

  it("an endpoint's rate limit defers the deliveries over it, and all arrive", async () => {
    const receiver = await startReceiver(() => 200);
    try {
      const tenantId = await newTenant(hub, "rate-limited");
      const endpoint = await endpointFor(tenantId, receiver.url, { rateLimitPerSecond: 2 });
      const deferredBefore = await deferrals("rate");
      const eventIds: string[] = [];
      for (let i = 0; i < 6; i++)
        eventIds.push(await commitEvent(hub, workers.subscriber, tenantId, "STATUS_CHANGED", { i }));
      await vi.waitFor(async () => expect(await statuses(eventIds)).toEqual(Array(6).fill("succeeded")), {
        timeout: 15_000,
        interval: 200,
      });
      expect(await deferrals("rate")).toBeGreaterThan(deferredBefore);
      for (const id of eventIds) expect(receiver.of(id)).toHaveLength(1);
      const [row] = await hub.db
        .select({ attempts: webhookDeliveries.attemptCount })
        .from(webhookDeliveries)
        .where(eq(webhookDeliveries.endpointId, endpoint.id))
        .limit(1);
      // Deferred jobs spent no attempt.
      expect(row?.attempts).toBe(1);
    } finally {
      await receiver.close();
    }
  });
});

async function deferrals(reason: string): Promise<number> {
  const metric = await hub.metrics.webhookDeferrals.get();
  return metric.values.find((v) => v.labels.reason === reason)?.value ?? 0;
}
