import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { bullPrefix, createRedisConnection } from "../queues/connection.js";
import { Producer } from "../queues/producer.js";
import { keepRecurringJobs } from "../queues/recurringJobsKeeper.js";
import { recurringJobs, upsertRecurringJob } from "../queues/schedules.js";
import { createLogger, type Logger } from "../src/logger.js";
import { testRedisUrl } from "./support/env.js";
import { deleteRedisKeys, testRedisPrefix } from "./support/redis.js";
import { type RedisServer, startRedisServer } from "./support/redisServer.js";

const silent = createLogger({ level: "silent", pretty: false });
const jobs = recurringJobs({ outboxRelayIntervalMs: 1000, slaScanIntervalMs: 60_000 });
const allIds = jobs.map((j) => j.schedulerId).sort();

async function schedulerIds(producer: Producer): Promise<string[]> {
  const found = await Promise.all(jobs.map((j) => producer.queues[j.queue].getJobSchedulers()));
  return found
    .flat()
    .map((s) => s.key)
    .sort();
}

describe("the recurring jobs keeper, on the shared Redis", () => {
  const prefix = testRedisPrefix();
  const connection = createRedisConnection(testRedisUrl, "producer");
  const producer = new Producer(connection, bullPrefix(prefix));
  afterAll(async () => {
    await producer.close();
    connection.disconnect();
    await deleteRedisKeys(prefix);
  });

  it("creates the missing schedulers at start and leaves an existing one as it is", async () => {
    const relay = jobs.find((j) => j.queue === "outbox-relay");
    if (!relay) throw new Error("no relay job");
    await upsertRecurringJob(producer, { ...relay, everyMs: 5000 });
    const before = await producer.queues["outbox-relay"].getJobScheduler(relay.schedulerId);

    const keeper = await keepRecurringJobs({ producer, jobs, connections: [], logger: silent });
    keeper.stop();
    expect(await schedulerIds(producer)).toEqual(allIds);
    const after = await producer.queues["outbox-relay"].getJobScheduler(relay.schedulerId);
    expect(after).toEqual(before);
    expect(after?.every).toBe(5000);
    expect(await keeper.ensure()).toEqual([]);
  });

  it("recreates on its periodic check what Redis lost without a reconnect (a flush)", async () => {
    // What the keeper says it recreated: the proof that it saw the loss (asserting an empty Redis
    // between the flush and its next check would race a check every 100 ms on a busy machine).
    const recreated: string[][] = [];
    const watching = Object.assign(Object.create(silent) as Logger, {
      warn: (fields: { created?: string[] }) => {
        if (fields.created) recreated.push([...fields.created].sort());
      },
    });
    const keeper = await keepRecurringJobs({
      producer,
      jobs,
      connections: [],
      logger: watching,
      checkEveryMs: 100,
    });
    try {
      expect(await schedulerIds(producer)).toEqual(allIds);
      expect(recreated).toEqual([]);
      await deleteRedisKeys(prefix); // every key of this prefix: what FLUSHALL does to the hub's
      // The flush deletes key by key, so a check can run in the middle of it: wait for the keeper
      // to have recreated something and for every scheduler to be back.
      await vi.waitFor(
        async () => {
          expect(recreated.length).toBeGreaterThan(0);
          expect(await schedulerIds(producer)).toEqual(allIds);
        },
        { timeout: 5000, interval: 50 },
      );
    } finally {
      keeper.stop();
    }
  });
});

describe("the recurring jobs keeper, on a Redis that restarts empty", { timeout: 30_000 }, () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it("recreates the schedulers when its connection is ready again", async () => {
    const connection = createRedisConnection(redis.url, "producer");
    connection.on("error", () => undefined); // the restart below is expected
    const producer = new Producer(connection, bullPrefix("keeper"));
    // A periodic check that never comes during the test: only the reconnect can repair.
    const keeper = await keepRecurringJobs({
      producer,
      jobs,
      connections: [connection],
      logger: silent,
      checkEveryMs: 3600_000,
    });
    try {
      expect(await schedulerIds(producer)).toEqual(allIds);
      await redis.crash();
      await redis.start();
      await vi.waitFor(async () => expect(await schedulerIds(producer)).toEqual(allIds), {
        timeout: 15_000,
        interval: 100,
      });
    } finally {
      keeper.stop();
      await producer.close();
      connection.disconnect();
    }
  });
});
