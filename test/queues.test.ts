import { QueueEvents } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bullPrefix, createRedisConnection } from "../queues/connection.js";
import { Producer } from "../queues/producer.js";
import { startWorkers } from "../queues/workerRunner.js";
import { createLogger } from "../src/logger.js";
import { testRedisUrl } from "./support/env.js";
import { createTestHub, type TestHub } from "./support/testHub.js";

let hub: TestHub;
beforeAll(async () => {
  hub = await createTestHub();
});
afterAll(async () => {
  await hub.close();
});

const silent = createLogger({ level: "silent", pretty: false });
// The notification queues' handlers, unused by these tests.
const notificationQueuesIdle = {
  "notify-email": async () => undefined,
  "notify-sms": async () => undefined,
  "notify-telegram": async () => undefined,
  "notify-whatsapp": async () => undefined,
  "notify-push": async () => undefined,
  "notify-in_app": async () => undefined,
  "notification-sweep": async () => undefined,
};
const validPayload = {
  eventId: `evt_${"0".repeat(32)}`,
  tenantId: "ten_x",
  type: "tenant.created",
  subscriber: "test",
};

describe("the job catalog", () => {
  it("a producer cannot enqueue a payload that does not fit", async () => {
    await expect(
      hub.producer.enqueue("domain-events", { ...validPayload, eventId: "not-an-event-id" }),
    ).rejects.toThrow(/eventId/);
    expect(await hub.producer.queues["domain-events"].count()).toBe(0);
  });

  it("a worker fails a job whose payload does not fit at once, without retries", async () => {
    const queue = hub.producer.queues["domain-events"];
    const events = new QueueEvents("domain-events", {
      connection: { url: testRedisUrl },
      prefix: bullPrefix(hub.prefix),
    });
    await events.waitUntilReady();
    const connection = createRedisConnection(testRedisUrl, "worker");
    const pool = startWorkers({
      connection,
      prefix: bullPrefix(hub.prefix),
      logger: silent,
      metrics: hub.metrics,
      queues: ["domain-events"],
      handlers: {
        "outbox-relay": async () => undefined,
        "sla-breach-scan": async () => undefined,
        "idempotency-prune": async () => undefined,
        "webhook-delivery": async () => undefined,
        "webhook-batch": async () => undefined,
        "webhook-sweep": async () => undefined,
        "journey-deadlines": async () => undefined,
        "journey-deadline-sweep": async () => undefined,
        inbound: async () => undefined,
        "conversation-outbound": async () => undefined,
        "inbound-sweep": async () => undefined,
        "channel-activity-fold": async () => undefined,
        ...notificationQueuesIdle,
        "domain-events": async () => "handled",
      },
    });
    try {
      // Written around the producer, as an old release or a hand-made job might have.
      const bad = await queue.add("domain-events", { eventId: 42 } as never, { attempts: 5 });
      const good = await queue.add("domain-events", validPayload);
      await expect(bad.waitUntilFinished(events)).rejects.toThrow(/does not fit domain-events/);
      expect(await good.waitUntilFinished(events)).toBe("handled");
      const failed = await queue.getJob(bad.id ?? "");
      expect(failed?.attemptsMade).toBe(1);
    } finally {
      await pool.close();
      await events.close();
      connection.disconnect();
    }
  });

  it("closing the workers lets the job in hand finish", async () => {
    const queue = hub.producer.queues["domain-events"];
    const connection = createRedisConnection(testRedisUrl, "worker");
    let started: () => void = () => undefined;
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    let finished = false;
    const pool = startWorkers({
      connection,
      prefix: bullPrefix(hub.prefix),
      logger: silent,
      metrics: hub.metrics,
      queues: ["domain-events"],
      handlers: {
        "outbox-relay": async () => undefined,
        "sla-breach-scan": async () => undefined,
        "idempotency-prune": async () => undefined,
        "webhook-delivery": async () => undefined,
        "webhook-batch": async () => undefined,
        "webhook-sweep": async () => undefined,
        "journey-deadlines": async () => undefined,
        "journey-deadline-sweep": async () => undefined,
        inbound: async () => undefined,
        "conversation-outbound": async () => undefined,
        "inbound-sweep": async () => undefined,
        "channel-activity-fold": async () => undefined,
        ...notificationQueuesIdle,
        "domain-events": async () => {
          started();
          await new Promise((r) => setTimeout(r, 300));
          finished = true;
        },
      },
    });
    const job = await queue.add("domain-events", validPayload, { jobId: "slow-one" });
    await running;
    await pool.close();
    connection.disconnect();
    expect(finished).toBe(true);
    expect(await (await queue.getJob(job.id ?? ""))?.isCompleted()).toBe(true);
  });
});

describe("job data written in batches", () => {
  const ids = {
    a: `ndl_${"a".repeat(32)}`,
    b: `ndl_${"b".repeat(32)}`,
    c: `ndl_${"c".repeat(32)}`,
    gone: `ndl_${"d".repeat(32)}`,
  };
  const sent = { providerMessageId: "<data@bank.example>", provider: "smtp" };

  it("writes the jobs Redis still has with one command, answering per job whether it was written", async () => {
    // A producer of its own, on a connection whose commands are counted (ioredis's sendCommand).
    const connection = createRedisConnection(testRedisUrl, "producer");
    const producer = new Producer(connection, bullPrefix(hub.prefix));
    const commands: string[] = [];
    const send = connection.sendCommand.bind(connection);
    connection.sendCommand = ((command: { name: string }, ...rest: unknown[]) => {
      commands.push(command.name);
      return (send as (...args: unknown[]) => unknown)(command, ...rest);
    }) as typeof connection.sendCommand;
    try {
      const queue = producer.queues["notify-email"];
      for (const id of [ids.a, ids.b])
        await producer.enqueue("notify-email", { deliveryId: id }, { jobId: id, delay: 60_000 });
      commands.length = 0;
      const written = await producer.updateJobsData("notify-email", [
        { jobId: ids.a, payload: { deliveryId: ids.a, sent } },
        { jobId: ids.gone, payload: { deliveryId: ids.gone, sent } },
        { jobId: ids.b, payload: { deliveryId: ids.b, sent: { ...sent, provider: "smtp2" } } },
      ]);
      expect(written).toEqual([true, false, true]);
      // One script by its SHA, and its text only if Redis did not have it yet.
      expect(commands.filter((name) => name === "evalsha")).toHaveLength(1);
      expect(commands.length).toBeLessThanOrEqual(2);
      expect((await queue.getJob(ids.a))?.data).toEqual({ deliveryId: ids.a, sent });
      expect((await queue.getJob(ids.b))?.data.sent.provider).toBe("smtp2");
      expect(await queue.getJob(ids.gone)).toBeUndefined();
      await Promise.all([ids.a, ids.b].map((id) => queue.remove(id)));
    } finally {
      await producer.close();
      connection.disconnect();
    }
  });

  it("refuses a payload that does not fit, writing none of the batch", async () => {
    const queue = hub.producer.queues["notify-email"];
    await hub.producer.enqueue("notify-email", { deliveryId: ids.c }, { jobId: ids.c, delay: 60_000 });
    await expect(
      hub.producer.updateJobsData("notify-email", [
        { jobId: ids.c, payload: { deliveryId: ids.c, sent } },
        { jobId: ids.gone, payload: { deliveryId: "not-a-delivery" } },
      ]),
    ).rejects.toThrow(/deliveryId/);
    expect((await queue.getJob(ids.c))?.data).toEqual({ deliveryId: ids.c });
    await queue.remove(ids.c);
  });
});
