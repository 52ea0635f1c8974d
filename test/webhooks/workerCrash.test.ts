import { eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { webhookAttempts, webhookDeliveries } from "../../src/db/schema/index.js";
import { recordEvent } from "../../src/events/writer.js";
import { parseKeyring } from "../../src/secrets/keyring.js";
import { createTenant } from "../../src/tenants/service.js";
import { createEndpoint } from "../../src/webhooks/endpoints.js";
import { createTestDatabase, type TestDatabase } from "../support/database.js";
import { testRedisUrl } from "../support/env.js";
import { type Spawned, spawnEntry } from "../support/process.js";
import { deleteRedisKeys, testRedisPrefix } from "../support/redis.js";
import { testChannelSecretKeys } from "../support/testHub.js";
import { startReceiver } from "./receiver.js";

const prefix = testRedisPrefix();
const testKeyring = parseKeyring(testChannelSecretKeys);
if (typeof testKeyring === "string") throw new Error(testKeyring);
let database: TestDatabase;
const children: Spawned[] = [];

/** A worker process of the hub, as production runs one: `src/main.ts` with ROLE=worker. */
function startWorker(): Spawned {
  const child = spawnEntry("src/main.ts", {
    NODE_ENV: "test",
    ROLE: "worker",
    DATABASE_URL: database.url,
    REDIS_URL: testRedisUrl,
    REDIS_PREFIX: prefix,
    REDIS_AUTOSTART: "false",
    ADMIN_TOKEN: "crash-test-admin-token-0123456789abcdef0123",
    LOG_LEVEL: "info",
    WEBHOOK_ALLOWED_NETWORKS: "127.0.0.0/8",
    // The keys the test seals the endpoint's secret with: the worker opens it to sign.
    CHANNEL_SECRET_KEYS: testChannelSecretKeys,
    // The hold on a delivery (and its limiter lease) lasts 2 × timeout + 5 s: 7 s here.
    WEBHOOK_TIMEOUT_MS: "1000",
  });
  children.push(child);
  return child;
}

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  for (const child of children) if (child.child.exitCode === null) child.child.kill("SIGKILL");
  await Promise.all(children.map((c) => c.exited));
  await database?.drop();
  await deleteRedisKeys(prefix);
});

describe("a worker killed in the middle of deliveries", { timeout: 180_000 }, () => {
  it("loses nothing: another worker completes each delivery, with exactly one success recorded", async () => {
    const db = database.handle.db;
    // Until the worker is killed, the partner holds every request open without answering.
    let killed = false;
    const answeredOk = new Map<string, number>();
    const receiver = await startReceiver((index) => {
      if (!killed) return undefined;
      const id = String(receiver.received[index]?.headers["webhook-id"]);
      answeredOk.set(id, (answeredOk.get(id) ?? 0) + 1);
      return 200;
    });
    try {
      const tenant = await createTenant(db, { slug: "crash", name: "Crash Bank" }, { type: "system" });
      if (!tenant.ok) throw new Error("no tenant");
      const tenantId = tenant.tenant.id;
      const endpoint = await createEndpoint(
        db,
        { allowedNetworks: [{ address: "127.0.0.0", prefix: 8, family: "ipv4" }], httpsOnly: false },
        testKeyring,
        tenantId,
        { url: receiver.url, eventTypes: ["TICKET_CREATED"] },
      );
      if (!endpoint.ok) throw new Error(endpoint.reason);

      const first = startWorker();
      await first.waitForLog("switchboard started", 90_000);
      const eventIds: string[] = [];
      for (let i = 0; i < 5; i++) {
        eventIds.push(
          await db.transaction((tx) =>
            recordEvent(tx, {
              tenantId,
              type: "TICKET_CREATED",
              subject: { type: "ticket", id: `tkt_crash${i}` },
              actor: { type: "system" },
              payload: { i },
            }),
          ),
        );
      }
      // The worker has relayed, fanned out and is in the middle of every POST.
      await receiver.until(5);
      expect(new Set(receiver.received.map((r) => r.headers["webhook-id"]))).toEqual(new Set(eventIds));
      first.child.kill("SIGKILL");
      expect(await first.exited).toBeNull();
      killed = true;

      const second = startWorker();
      await second.waitForLog("switchboard started", 90_000);
      const deliveries = () =>
        db.select().from(webhookDeliveries).where(inArray(webhookDeliveries.eventId, eventIds));
      await vi.waitFor(
        async () => expect((await deliveries()).map((d) => d.status)).toEqual(Array(5).fill("succeeded")),
        { timeout: 90_000, interval: 250 },
      );
      for (const delivery of await deliveries()) {
        expect(delivery.attemptCount).toBe(1);
        const attempts = await db
          .select()
          .from(webhookAttempts)
          .where(eq(webhookAttempts.deliveryId, delivery.id));
        expect(attempts.map((a) => a.statusCode)).toEqual([200]);
      }
      // Each event reached the partner twice with the same webhook-id (the cut request, then the
      // delivery), and was answered 2xx exactly once.
      for (const id of eventIds) {
        expect(receiver.of(id)).toHaveLength(2);
        expect(answeredOk.get(id)).toBe(1);
      }
      expect(await deliveries()).toHaveLength(5);
      second.child.kill("SIGTERM");
      expect(await second.exited).toBe(0);
    } finally {
      await receiver.close();
    }
  });
});
