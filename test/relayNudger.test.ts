import { EventEmitter } from "node:events";
import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { bullPrefix, createRedisConnection } from "../queues/connection.js";
import type { EventSubscriber } from "../queues/handlers/domainEvents.js";
import { outboxRelayPass } from "../queues/handlers/index.js";
import { Producer } from "../queues/producer.js";
import { startRelayNudger } from "../queues/relayNudger.js";
import { type DatabaseHandle, openPglite } from "../src/db/client.js";
import * as schema from "../src/db/schema/index.js";
import { events } from "../src/db/schema/index.js";
import { eventTypes } from "../src/events/catalog.js";
import { recordEvent } from "../src/events/writer.js";
import { newId } from "../src/ids.js";
import { createLogger } from "../src/logger.js";
import { createMetrics } from "../src/metrics.js";
import { createTenant } from "../src/tenants/service.js";
import { testDatabaseUrl } from "./support/env.js";
import { unrelayedEventIds } from "./support/outbox.js";
import { type RedisServer, startRedisServer } from "./support/redisServer.js";
import { createTestHub, type TestHub } from "./support/testHub.js";

const silent = createLogger({ level: "silent", pretty: false });
const system = { type: "system" } as const;
const everything: EventSubscriber = { name: "everything", wants: () => true, handle: async () => undefined };

/** A relay pass that counts its runs and can be held until the test lets it go. */
function countingRelay(pass: () => Promise<{ more: boolean }> = async () => ({ more: false })) {
  let runs = 0;
  let gate: Promise<void> | undefined;
  return {
    runs: () => runs,
    hold() {
      let release: () => void = () => undefined;
      gate = new Promise((resolve) => {
        release = resolve;
      });
      return () => {
        gate = undefined;
        release();
      };
    },
    relay: async () => {
      runs++;
      await gate;
      return (await pass()).more;
    },
  };
}

async function unpublishedOf(handle: DatabaseHandle, subjectId: string) {
  const rows = await handle.db.select().from(events).where(eq(events.subjectId, subjectId));
  expect(rows).not.toEqual([]);
  const waiting = new Set(
    await unrelayedEventIds(
      handle.db,
      rows.map((e) => e.id),
    ),
  );
  return rows.filter((e) => waiting.has(e.id));
}

describe("the relay nudger on a PostgreSQL server", () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await createTestHub();
  });
  afterAll(async () => {
    await hub?.close();
  });
  /** The real relay, into the shared Redis under this file's prefix. */
  const relay = async () =>
    (
      await outboxRelayPass({
        db: hub.db,
        producer: hub.producer,
        metrics: hub.metrics,
        subscribers: [everything],
      })()
    ).more;

  it("relays an event committed in another session, without any schedule", async () => {
    const nudger = await startRelayNudger({
      database: hub.database.handle,
      relay,
      wakeOn: [],
      logger: silent,
    });
    try {
      const created = await createTenant(hub.db, { slug: "nudged", name: "Nudged" }, system);
      if (!created.ok) throw new Error("tenant not created");
      await vi.waitFor(
        async () => expect(await unpublishedOf(hub.database.handle, created.tenant.id)).toEqual([]),
        {
          timeout: 5000,
          interval: 50,
        },
      );
      const [event] = await hub.db.select().from(events).where(eq(events.subjectId, created.tenant.id));
      expect(
        await hub.producer.queues["domain-events"].getJob(`${event?.id}.${everything.name}`),
      ).toBeDefined();
    } finally {
      await nudger.close();
    }
  });

  it("relays every event of a quick burst from one session, though the trigger keeps most of them silent", async () => {
    const nudger = await startRelayNudger({
      database: hub.database.handle,
      relay,
      wakeOn: [],
      logger: silent,
    });
    const client = new pg.Client({ connectionString: hub.database.url });
    await client.connect();
    try {
      const session = drizzle(client, { schema });
      const subjectId = newId("tenant");
      for (let i = 0; i < 20; i++) {
        await session.transaction((tx) =>
          recordEvent(tx, {
            tenantId: subjectId,
            type: eventTypes.tenantCreated,
            subject: { type: "tenant", id: subjectId },
            actor: system,
            payload: { burst: i },
          }),
        );
      }
      await vi.waitFor(async () => expect(await unpublishedOf(hub.database.handle, subjectId)).toEqual([]), {
        timeout: 5000,
        interval: 50,
      });
    } finally {
      await client.end();
      await nudger.close();
    }
  });

  it("coalesces nudges that arrive during a run into one more run", async () => {
    const counting = countingRelay();
    const release = counting.hold();
    const nudger = await startRelayNudger({
      database: hub.database.handle,
      relay: counting.relay,
      wakeOn: [],
      logger: silent,
    });
    expect(counting.runs()).toBe(1); // the start's own run, for events committed before it listened
    for (let i = 0; i < 50; i++) nudger.nudge();
    release();
    await vi.waitFor(() => expect(counting.runs()).toBe(2), { timeout: 5000, interval: 10 });
    await nudger.close(); // waits for the run in hand
    expect(counting.runs()).toBe(2);
  });

  it("listens again after losing its connection, and relays what was committed meanwhile", async () => {
    const nudger = await startRelayNudger({
      database: hub.database.handle,
      relay,
      wakeOn: [],
      logger: silent,
    });
    const admin = new pg.Client({ connectionString: testDatabaseUrl });
    await admin.connect();
    try {
      const killed = await admin.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND query LIKE 'LISTEN %'",
        [hub.database.name],
      );
      expect(killed.rowCount).toBe(1);
      const created = await createTenant(hub.db, { slug: "while-deaf", name: "While Deaf" }, system);
      if (!created.ok) throw new Error("tenant not created");
      await vi.waitFor(
        async () => expect(await unpublishedOf(hub.database.handle, created.tenant.id)).toEqual([]),
        {
          timeout: 10_000,
          interval: 50,
        },
      );
      await vi.waitFor(
        async () => {
          const listening = await admin.query(
            "SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND query LIKE 'LISTEN %'",
            [hub.database.name],
          );
          expect(listening.rowCount).toBe(1);
        },
        { timeout: 5000, interval: 50 },
      );
    } finally {
      await admin.end();
      await nudger.close();
    }
  });

  it("after a failed run, commits wait for the retry interval and are then relayed", async () => {
    let failures = 1;
    const counting = countingRelay(async () => {
      if (failures-- > 0) throw new Error("Redis is away");
      return { more: false };
    });
    const nudger = await startRelayNudger({
      database: hub.database.handle,
      relay: counting.relay,
      wakeOn: [],
      logger: silent,
      retryMs: 50,
    });
    try {
      await vi.waitFor(() => expect(counting.runs()).toBe(1), { timeout: 5000, interval: 10 });
      nudger.nudge(); // during the cooldown: runs once it is over
      await vi.waitFor(() => expect(counting.runs()).toBe(2), { timeout: 5000, interval: 10 });
    } finally {
      await nudger.close();
    }
  });

  it("a run that fails after its connection became ready again is run again at once, not after the cooldown", async () => {
    let failures = 1;
    const counting = countingRelay(async () => {
      if (failures-- > 0) throw new Error("Redis is away");
      return { more: false };
    });
    const connection = new EventEmitter();
    const release = counting.hold();
    const nudger = await startRelayNudger({
      database: hub.database.handle,
      relay: counting.relay,
      wakeOn: [connection],
      logger: silent,
      retryMs: 3600_000,
    });
    try {
      await vi.waitFor(() => expect(counting.runs()).toBe(1), { timeout: 5000, interval: 10 });
      connection.emit("ready"); // while the run that will fail is in hand
      release();
      await vi.waitFor(() => expect(counting.runs()).toBe(2), { timeout: 5000, interval: 10 });
    } finally {
      await nudger.close();
    }
  });
});

// PGlite starts and migrates an engine in the test process: slow on a busy machine.
describe("the relay nudger on embedded PGlite", { timeout: 60_000 }, () => {
  it("hears an insert into events from the same engine", async () => {
    const handle = openPglite(undefined);
    await handle.migrate();
    const counting = countingRelay();
    const nudger = await startRelayNudger({
      database: handle,
      relay: counting.relay,
      wakeOn: [],
      logger: silent,
    });
    try {
      await vi.waitFor(() => expect(counting.runs()).toBe(1), { timeout: 5000, interval: 10 });
      const created = await createTenant(handle.db, { slug: "embedded", name: "Embedded" }, system);
      if (!created.ok) throw new Error("tenant not created");
      await vi.waitFor(() => expect(counting.runs()).toBe(2), { timeout: 5000, interval: 10 });
    } finally {
      await nudger.close();
      await handle.close();
    }
  });
});

describe("the relay nudger when Redis comes back", { timeout: 30_000 }, () => {
  let redis: RedisServer;
  let hub: TestHub;
  beforeAll(async () => {
    redis = await startRedisServer();
    hub = await createTestHub();
  });
  afterAll(async () => {
    await hub?.close();
    await redis?.stop();
  });

  it("relays the events that waited for Redis as soon as its connection is ready, without a new commit", async () => {
    const connection = createRedisConnection(redis.url, "producer");
    connection.on("error", () => undefined); // the crash below is expected
    const producer = new Producer(connection, bullPrefix("nudger"));
    const relayPass = outboxRelayPass({
      db: hub.db,
      producer,
      metrics: createMetrics(),
      subscribers: [everything],
    });
    let failedRuns = 0;
    // A retry that never comes during the test: only the connection's "ready" can let them go.
    const nudger = await startRelayNudger({
      database: hub.database.handle,
      relay: async () => {
        try {
          return (await relayPass()).more;
        } catch (err) {
          failedRuns++;
          throw err;
        }
      },
      wakeOn: [connection],
      logger: silent,
      retryMs: 3600_000,
    });
    try {
      await redis.crash();
      const created = await createTenant(hub.db, { slug: "waited", name: "Waited" }, system);
      if (!created.ok) throw new Error("tenant not created");
      // The commit's nudge ran the relay, which could not enqueue: the event waits in PostgreSQL.
      // Longer than the relay's 5 s bound on an enqueue, in case the add hangs instead of failing.
      await vi.waitFor(() => expect(failedRuns).toBe(1), { timeout: 10_000, interval: 10 });
      expect(await unpublishedOf(hub.database.handle, created.tenant.id)).not.toEqual([]);

      await redis.start();
      await vi.waitFor(
        async () => expect(await unpublishedOf(hub.database.handle, created.tenant.id)).toEqual([]),
        {
          timeout: 15_000,
          interval: 50,
        },
      );
      const [event] = await hub.db.select().from(events).where(eq(events.subjectId, created.tenant.id));
      expect(await producer.queues["domain-events"].getJob(`${event?.id}.${everything.name}`)).toBeDefined();
    } finally {
      await nudger.close();
      await producer.close();
      connection.disconnect();
    }
  });
});
