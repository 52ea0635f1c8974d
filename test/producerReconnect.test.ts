import { afterEach, describe, expect, it, vi } from "vitest";
import { bullPrefix, createRedisConnection } from "../queues/connection.js";
import { Producer } from "../queues/producer.js";
import { type RedisServer, startRedisServer } from "./support/redisServer.js";

const payload = {
  eventId: `evt_${"1".repeat(32)}`,
  tenantId: "ten_x",
  type: "tenant.created",
  subscriber: "test",
};

describe("a producer whose Redis went away as its queues were opening", () => {
  let redis: RedisServer | undefined;
  afterEach(async () => {
    await redis?.stop();
  });

  it("enqueues once Redis is back, without a restart of the process", async () => {
    redis = await startRedisServer();
    const server = redis;
    const connection = createRedisConnection(server.url, "producer");
    connection.on("error", () => undefined); // the crash below is expected
    // The server dies the moment the connection is ready: before the queues' first commands
    // (BullMQ's version check, once, on a fail-fast connection) can be answered.
    connection.once("ready", () => void server.crash());
    const producer = new Producer(connection, bullPrefix(`producer-reconnect-${process.pid}`));
    try {
      await vi.waitFor(() => expect(connection.status).not.toBe("ready"), { timeout: 5000, interval: 5 });
      await expect(producer.enqueue("domain-events", payload)).rejects.toThrow();
      await server.start();
      await vi.waitFor(() => expect(connection.status).toBe("ready"), { timeout: 10_000, interval: 10 });
      await vi.waitFor(
        async () => expect(await producer.enqueue("domain-events", payload, { jobId: "back" })).toBe("back"),
        { timeout: 5000, interval: 50 },
      );
    } finally {
      await producer.close().catch(() => undefined);
      connection.disconnect();
    }
  });
});
