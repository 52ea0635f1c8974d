import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { bullPrefix, createRedisConnection } from "../../queues/connection.js";
import { enqueueInbound } from "../../queues/handlers/inbound.js";
import { Producer } from "../../queues/producer.js";
import { rowsOf } from "../../src/db/client.js";
import { inboundMessages } from "../../src/db/schema/index.js";
import { batchedIntake, inboundJobId, strandedInbound } from "../../src/inbound/intake.js";
import type { InboundMessage } from "../../src/inbound/message.js";
import { startRedisServer } from "../support/redisServer.js";
import { type InboundHub, inboundHub } from "./support.js";

let t: InboundHub;

beforeAll(async () => {
  t = await inboundHub();
  // Jobs stay on the queue, where the test finds them.
  await t.stopRouterWorkers();
});

afterAll(async () => {
  await t.close();
});

const message = (tenantId: string, providerMessageId: string, receivedAt = new Date()): InboundMessage => ({
  channel: "telegram",
  tenantId,
  providerMessageId,
  sender: { address: providerMessageId.split(":")[0] as string, displayName: "Rina" },
  text: "Saya tidak bisa login",
  attachments: [],
  threadRef: providerMessageId.split(":")[0] as string,
  receivedAt,
  raw: { providerMessageId },
});

/** A producer connected to a redis-server of the test's own, which the test can crash or pause. */
async function producerOnItsOwnRedis(name: string) {
  const redis = await startRedisServer();
  const connection = createRedisConnection(redis.url, "producer");
  connection.on("error", () => undefined);
  const producer = new Producer(connection, bullPrefix(`${name}-${process.pid}`));
  await vi.waitFor(() => expect(connection.status).toBe("ready"), { timeout: 10_000, interval: 10 });
  const close = async () => {
    await producer.close().catch(() => undefined);
    connection.disconnect();
    await redis.stop();
  };
  return { redis, connection, producer, close };
}

/** What a test whose Redis answers never expects: jobs left unqueued. */
const unexpected = (err: unknown) => {
  throw new Error("jobs left unqueued", { cause: err });
};

/**
 * The calls through one batch: the intake runs one batch at a time here, and a first request holds
 * it while the others are made, so they all wait and go together.
 */
async function throughOneBatch(
  intake: ReturnType<typeof batchedIntake>,
  first: InboundMessage,
  requests: InboundMessage[][],
) {
  const holder = intake([first]);
  const answers = requests.map((messages) =>
    intake(messages).then(
      (result) => ({ ok: true as const, result }),
      (err: unknown) => ({ ok: false as const, err }),
    ),
  );
  await holder;
  return Promise.all(answers);
}

// Webhook requests posted at once are stored by one INSERT and queued by one addBulk; each request
// still gets its own answer, and what it stores is what it would have stored alone.
describe("webhook intake under load", () => {
  it("stores the requests waiting together in one statement, each answered for its own messages, redeliveries included", async () => {
    const { tenantId } = await t.tenantWithTelegram("intake-batch");
    const intake = batchedIntake(t.hub.db, enqueueInbound(t.hub.producer), unexpected, {
      limits: { maxRows: 50, maxInFlight: 1 },
    });
    const requests = [
      [message(tenantId, "9100:1"), message(tenantId, "9100:2")],
      [message(tenantId, "9101:1")],
      // A redelivery of a message the batch also stores, and one of the message that held the lane.
      [message(tenantId, "9101:1"), message(tenantId, "9099:1")],
    ];
    const answers = await throughOneBatch(intake, message(tenantId, "9099:1"), requests);
    expect(answers).toEqual([
      { ok: true, result: { stored: 2, duplicates: 0 } },
      { ok: true, result: { stored: 1, duplicates: 0 } },
      { ok: true, result: { stored: 0, duplicates: 2 } },
    ]);
    const stored = rowsOf<{ provider_message_id: string; writer: string }>(
      await t.hub.db.execute(
        sql`SELECT provider_message_id, xmin::text AS writer FROM inbound_messages WHERE tenant_id = ${tenantId} ORDER BY provider_message_id`,
      ),
    );
    expect(stored.map((r) => r.provider_message_id)).toEqual(["9099:1", "9100:1", "9100:2", "9101:1"]);
    // The three requests' rows in one transaction, the holder's in its own.
    expect(new Set(stored.slice(1).map((r) => r.writer)).size).toBe(1);
    expect(stored[0]?.writer).not.toBe(stored[1]?.writer);
    // Every waiting message has its job, once (the job id deduplicates the redeliveries').
    for (const r of stored) {
      const job = await t.hub.producer.queues.inbound.getJob(
        inboundJobId(tenantId, "telegram", r.provider_message_id),
      );
      expect(job?.data).toMatchObject({ tenantId });
    }
  });

  it("a request whose data fails the batch's statement fails alone; the others are stored", async () => {
    const { tenantId } = await t.tenantWithTelegram("intake-batch-bad-row");
    const intake = batchedIntake(t.hub.db, enqueueInbound(t.hub.producer), unexpected, {
      limits: { maxRows: 50, maxInFlight: 1 },
    });
    const answers = await throughOneBatch(intake, message(tenantId, "9200:1"), [
      [message(tenantId, "9201:1")],
      // A provider's date that is no date: no statement can store it.
      [message(tenantId, "9202:1", new Date(Number.NaN))],
      [message(tenantId, "9203:1")],
    ]);
    expect(answers.map((a) => a.ok)).toEqual([true, false, true]);
    const stored = await t.hub.db
      .select({ providerMessageId: inboundMessages.providerMessageId })
      .from(inboundMessages)
      .where(eq(inboundMessages.tenantId, tenantId));
    expect(stored.map((r) => r.providerMessageId).sort()).toEqual(["9200:1", "9201:1", "9203:1"]);
  });

  it("answers a request once its messages are stored, and leaves them to the sweep when Redis is away", async () => {
    const { tenantId } = await t.tenantWithTelegram("intake-batch-no-redis");
    // A producer whose Redis has gone away: the server dies once the connection is up.
    const { redis, connection, producer, close } = await producerOnItsOwnRedis("intake-no-redis");
    await redis.crash();
    await vi.waitFor(() => expect(connection.status).not.toBe("ready"), { timeout: 5000, interval: 5 });
    const unqueued: number[] = [];
    const intake = batchedIntake(t.hub.db, enqueueInbound(producer), (_err, jobs) => unqueued.push(jobs));
    try {
      expect(await intake([message(tenantId, "9300:1"), message(tenantId, "9300:2")])).toEqual({
        stored: 2,
        duplicates: 0,
      });
      await vi.waitFor(() => expect(unqueued).toEqual([2]), { timeout: 5000, interval: 10 });
    } finally {
      await close();
    }
    // Stored, waiting for the router: what the inbound sweep queues again.
    const stranded = await strandedInbound(t.hub.db, 0, 1000);
    const stored = await t.hub.db
      .select({ id: inboundMessages.id, status: inboundMessages.status })
      .from(inboundMessages)
      .where(eq(inboundMessages.tenantId, tenantId));
    expect(stored.map((r) => r.status)).toEqual(["received", "received"]);
    expect(stranded.map((s) => s.messageId)).toEqual(expect.arrayContaining(stored.map((r) => r.id)));
  });

  it("holds no request behind a Redis that stops answering: each batch leaves its jobs to the sweep", async () => {
    const { tenantId } = await t.tenantWithTelegram("intake-batch-hung-redis");
    const { redis, producer, close } = await producerOnItsOwnRedis("intake-hung-redis");
    const unqueued: string[] = [];
    const intake = batchedIntake(t.hub.db, enqueueInbound(producer), (err) => unqueued.push(String(err)), {
      limits: { maxRows: 50, maxInFlight: 1 },
      enqueueWaitMs: 200,
    });
    try {
      // The connection stays open; the server answers nothing.
      redis.pause();
      // More batches than the lane runs at once, one after the other: each gets the lane back once
      // the batch before it has waited its enqueueWaitMs, however long Redis stays silent.
      for (const n of [1, 2, 3]) {
        expect(await intake([message(tenantId, `9400:${n}`)])).toEqual({ stored: 1, duplicates: 0 });
      }
      await vi.waitFor(() => expect(unqueued).toHaveLength(3), { timeout: 5000, interval: 10 });
      expect(unqueued.every((e) => e.includes("no answer within 200 ms"))).toBe(true);
    } finally {
      redis.resume();
      await close();
    }
  });

  it("a batch that a row's data fails stores each request alone, and a silent Redis holds none of them either", async () => {
    const { tenantId } = await t.tenantWithTelegram("intake-batch-bad-row-hung-redis");
    const { redis, producer, close } = await producerOnItsOwnRedis("intake-bad-row-hung-redis");
    const unqueued: number[] = [];
    const intake = batchedIntake(t.hub.db, enqueueInbound(producer), (_err, jobs) => unqueued.push(jobs), {
      limits: { maxRows: 50, maxInFlight: 1 },
      enqueueWaitMs: 200,
    });
    try {
      redis.pause();
      const answers = await throughOneBatch(intake, message(tenantId, "9500:1"), [
        [message(tenantId, "9501:1")],
        [message(tenantId, "9502:1", new Date(Number.NaN))],
        [message(tenantId, "9503:1")],
      ]);
      expect(answers.map((a) => a.ok)).toEqual([true, false, true]);
      await vi.waitFor(() => expect(unqueued.sort()).toEqual([1, 1, 1]), { timeout: 5000, interval: 10 });
    } finally {
      redis.resume();
      await close();
    }
  });

  it("queues a redelivery again only while its message still waits for the router", async () => {
    const { tenantId } = await t.tenantWithTelegram("intake-batch-redelivery");
    const intake = batchedIntake(t.hub.db, enqueueInbound(t.hub.producer), unexpected);
    await intake([message(tenantId, "9600:1"), message(tenantId, "9600:2")]);
    await t.hub.db
      .update(inboundMessages)
      .set({ status: "routed" })
      .where(
        sql`${inboundMessages.tenantId} = ${tenantId} AND ${inboundMessages.providerMessageId} = '9600:2'`,
      );
    const queue = t.hub.producer.queues.inbound;
    await queue.remove(inboundJobId(tenantId, "telegram", "9600:1"));
    await queue.remove(inboundJobId(tenantId, "telegram", "9600:2"));
    expect(await intake([message(tenantId, "9600:1"), message(tenantId, "9600:2")])).toEqual({
      stored: 0,
      duplicates: 2,
    });
    await vi.waitFor(async () => {
      expect(await queue.getJob(inboundJobId(tenantId, "telegram", "9600:1"))).toBeDefined();
    });
    expect(await queue.getJob(inboundJobId(tenantId, "telegram", "9600:2"))).toBeUndefined();
  });
});
