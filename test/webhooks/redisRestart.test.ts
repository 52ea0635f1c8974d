import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type Config, loadConfig } from "../../src/config.js";
import { webhookDeliveries } from "../../src/db/schema/index.js";
import { recordEvent } from "../../src/events/writer.js";
import { type RunningHub, startHub } from "../../src/hub.js";
import { createLogger } from "../../src/logger.js";
import { createTenant } from "../../src/tenants/service.js";
import { createEndpoint } from "../../src/webhooks/endpoints.js";
import { createTestDatabase, type TestDatabase } from "../support/database.js";
import { unrelayedEventIds } from "../support/outbox.js";
import { type RedisServer, startRedisServer } from "../support/redisServer.js";
import { testChannelSecretKeys } from "../support/testHub.js";
import { gate, startReceiver } from "./receiver.js";

let redis: RedisServer;
let database: TestDatabase;
let hub: RunningHub;
let config: Config;
const dataDir = mkdtempSync(join(tmpdir(), "sbt-webhook-restart-"));

beforeAll(async () => {
  redis = await startRedisServer();
  database = await createTestDatabase();
  config = loadConfig({
    NODE_ENV: "test",
    ROLE: "worker",
    DATA_DIR: dataDir,
    DATABASE_URL: database.url,
    REDIS_URL: redis.url,
    REDIS_AUTOSTART: "false",
    ADMIN_TOKEN: "webhook-restart-admin-token-0123456789abcdef",
    LOG_LEVEL: "silent",
    WEBHOOK_ALLOWED_NETWORKS: "127.0.0.0/8",
    WEBHOOK_SWEEP_INTERVAL_MS: "500",
    CHANNEL_SECRET_KEYS: testChannelSecretKeys,
  });
  // The hub's own workers, relay, keeper and sweeper, as a worker process runs them.
  hub = await startHub(config, createLogger(config.log));
});
afterAll(async () => {
  await hub?.stop();
  await redis?.stop();
  await database?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("a delivery run whose Redis restarts empty", { timeout: 120_000 }, () => {
  it("loses no delivery: each event reaches the partner exactly once", async () => {
    const db = database.handle.db;
    const held = gate();
    const receiver = await startReceiver(() => held.answer(200));
    try {
      const tenant = await createTenant(db, { slug: "restart", name: "Restart Bank" }, { type: "system" });
      if (!tenant.ok) throw new Error("no tenant");
      const tenantId = tenant.tenant.id;
      const created = await createEndpoint(
        db,
        { allowedNetworks: [{ address: "127.0.0.0", prefix: 8, family: "ipv4" }], httpsOnly: false },
        config.channels.secretKeys,
        tenantId,
        { url: receiver.url, eventTypes: ["TICKET_CREATED"], maxConcurrency: 2 },
      );
      if (!created.ok) throw new Error(created.reason);
      const commit = (i: number) =>
        db.transaction((tx) =>
          recordEvent(tx, {
            tenantId,
            type: "TICKET_CREATED",
            subject: { type: "ticket", id: `tkt_restart${i}` },
            actor: { type: "system" },
            payload: { i },
          }),
        );
      const eventIds: string[] = [];
      for (let i = 0; i < 20; i++) eventIds.push(await commit(i));
      // Two deliveries in flight (the endpoint's limit), the other eighteen as jobs in Redis.
      await receiver.until(2);
      await vi.waitFor(async () => expect(await unrelayedEventIds(db)).toEqual([]));

      await redis.crash();
      // Committed while Redis is away: fanned out into PostgreSQL, their jobs refused.
      for (let i = 20; i < 30; i++) eventIds.push(await commit(i));
      held.open();
      await redis.start();

      const deliveries = () =>
        db.select().from(webhookDeliveries).where(inArray(webhookDeliveries.eventId, eventIds));
      await vi.waitFor(
        async () => expect((await deliveries()).map((d) => d.status)).toEqual(Array(30).fill("succeeded")),
        { timeout: 60_000, interval: 250 },
      );
      for (const id of eventIds) expect(receiver.of(id)).toHaveLength(1);
      expect(receiver.load.maxInFlight).toBeLessThanOrEqual(2);
    } finally {
      await receiver.close();
    }
  });
});
