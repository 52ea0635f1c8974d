import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { EventSubscriber } from "../queues/handlers/domainEvents.js";
import { loadConfig } from "../src/config.js";
import { events } from "../src/db/schema/index.js";
import { type RunningHub, startHub } from "../src/hub.js";
import { createLogger } from "../src/logger.js";
import { createTestDatabase, type TestDatabase } from "./support/database.js";
import { docExamples } from "./support/docExamples.js";
import { unrelayedEventIds } from "./support/outbox.js";
import { type RedisServer, startRedisServer } from "./support/redisServer.js";

const adminToken = "data-loss-admin-token-0123456789abcdef0123";
const relayed = new Set<string>();
const recorder: EventSubscriber = {
  name: "test-recorder",
  wants: () => true,
  handle: async (event) => void relayed.add(event.id),
};

let redis: RedisServer;
let database: TestDatabase;
let hub: RunningHub;
const dataDir = mkdtempSync(join(tmpdir(), "sbt-data-loss-"));

beforeAll(async () => {
  redis = await startRedisServer();
  database = await createTestDatabase();
  const config = loadConfig({
    NODE_ENV: "test",
    HOST: "127.0.0.1",
    PORT: "0",
    DATA_DIR: dataDir,
    DATABASE_URL: database.url,
    REDIS_URL: redis.url,
    REDIS_AUTOSTART: "false",
    ADMIN_TOKEN: adminToken,
    LOG_LEVEL: "silent",
    // A tick this rare never comes during the test: whatever is relayed in time was nudged.
    OUTBOX_RELAY_INTERVAL_MS: "600000",
  });
  hub = await startHub(config, createLogger(config.log), { subscribers: [recorder] });
});
afterAll(async () => {
  await hub?.stop();
  await redis?.stop();
  await database?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function call(path: string, body: unknown, headers: Record<string, string>) {
  const res = await fetch(`${hub.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  if (res.status !== 201) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { data?: Record<string, string> }).data;
}

async function partnerKey(): Promise<string> {
  const admin = { authorization: `Bearer ${adminToken}` };
  await call("/api/admin/tenants", { slug: "data-loss", name: "Data Loss Bank" }, admin);
  const key = await call(
    "/api/admin/api-keys",
    { tenantId: "data-loss", name: "partner", scopes: ["omnichannel:create"] },
    admin,
  );
  return key?.key ?? "";
}

/** Tickets through the hot creation statement; the write path needs PostgreSQL only. */
async function createTickets(key: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    await call("/api/omnichannel/tickets", docExamples.mobileBanking, { "x-api-key": key });
  }
}

async function allEventIds(): Promise<string[]> {
  return (await database.handle.db.select({ id: events.id }).from(events)).map((e) => e.id);
}

/**
 * Every event in the database reached the subscriber and is marked published. Waited for, not
 * timed: on a loaded machine the relay's retry after Redis comes back can take several seconds.
 */
async function expectAllRelayed(): Promise<void> {
  await vi.waitFor(
    async () => {
      const ids = await allEventIds();
      expect(ids.filter((id) => !relayed.has(id))).toEqual([]);
      expect(await unrelayedEventIds(database.handle.db)).toEqual([]);
    },
    { timeout: 30_000, interval: 100 },
  );
}

const schedulerIds = ["outbox-relay-tick", "sla-breach-scan-tick", "idempotency-prune-hourly"];

async function schedulers(): Promise<string[]> {
  const queues = [
    hub.producer.queues["outbox-relay"],
    hub.producer.queues["sla-breach-scan"],
    hub.producer.queues["idempotency-prune"],
  ];
  const found = await Promise.all(queues.map((q) => q.getJobSchedulers()));
  return found.flat().map((s) => s.key);
}

describe("a hub whose Redis restarts empty", { timeout: 90_000 }, () => {
  it("relays every event written before, during and after, and schedules its recurring jobs again", async () => {
    const key = await partnerKey();
    await createTickets(key, 5);
    await expectAllRelayed();
    const before = (await allEventIds()).length;
    expect(before).toBeGreaterThanOrEqual(5);
    expect((await schedulers()).sort()).toEqual([...schedulerIds].sort());

    await redis.crash();
    await createTickets(key, 5);
    const during = (await allEventIds()).length;
    expect(during).toBeGreaterThanOrEqual(before + 5);
    expect(await unrelayedEventIds(database.handle.db)).not.toEqual([]);

    // No commit after Redis is back: the events that waited go because Redis became ready again.
    await redis.start();
    await expectAllRelayed();
    await createTickets(key, 5);
    await expectAllRelayed();
    expect((await allEventIds()).length).toBeGreaterThanOrEqual(during + 5);
    await vi.waitFor(async () => expect((await schedulers()).sort()).toEqual([...schedulerIds].sort()), {
      timeout: 10_000,
      interval: 100,
    });
  });
});
