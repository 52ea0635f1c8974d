import { eq, inArray, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rowsOf } from "../../src/db/client.js";
import { webhookAttempts, webhookDeliveries } from "../../src/db/schema/index.js";
import { eventTypes } from "../../src/events/catalog.js";
import { recordEvent } from "../../src/events/writer.js";
import { deleteEndpoint } from "../../src/webhooks/endpoints.js";
import { fanOutEvents } from "../../src/webhooks/fanOut.js";
import { recordAttempt, recordSuccess } from "../../src/webhooks/outcome.js";
import { createTestHub, type TestHub } from "../support/testHub.js";
import { newTenant, registerEndpoint } from "./support.js";

// Deliveries and attempts hold no foreign keys (a check per row on the hot path); these tests hold
// what the keys did: an endpoint's deletion takes its deliveries and their attempts, whenever it comes.
let hub: TestHub;
beforeAll(async () => {
  hub = await createTestHub({ WEBHOOK_ALLOWED_NETWORKS: "127.0.0.0/8" });
});
afterAll(() => hub.close());

async function endpoint(tenantId: string) {
  const created = await registerEndpoint(hub, tenantId, {
    url: "http://127.0.0.1:9/hook",
    eventTypes: ["*"],
  });
  return created.endpoint.id;
}

/** A committed event, as the relay reads it (the outbox's row is left to no one here). */
async function journeyEvent(tenantId: string) {
  const id = await hub.db.transaction((tx) =>
    recordEvent(tx, {
      tenantId,
      type: eventTypes.journeyCreated,
      subject: { type: "journey", id: "jrn_test" },
      actor: { type: "system" },
      payload: {},
    }),
  );
  return { id, tenantId, type: eventTypes.journeyCreated, subjectType: "journey", subjectId: "jrn_test" };
}

const deliveriesTo = (endpointId: string) =>
  hub.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.endpointId, endpointId));
const attemptsOf = (deliveryIds: string[]) =>
  hub.db.select().from(webhookAttempts).where(inArray(webhookAttempts.deliveryId, deliveryIds));

const answered = { kind: "answered", statusCode: 200, excerpt: "ok", latencyMs: 3 } as const;

describe("deleting a webhook endpoint", () => {
  it("deletes its deliveries and their attempts, and no other endpoint's", async () => {
    const tenantId = await newTenant(hub, "deleted-endpoint");
    const [gone, kept] = [await endpoint(tenantId), await endpoint(tenantId)];
    const written = await fanOutEvents(hub.db, [await journeyEvent(tenantId)]);
    expect(written).toHaveLength(2);
    for (const d of written)
      await recordSuccess(
        hub.db,
        { id: d.deliveryId, tenantId, endpointId: d.destination, attemptCount: 0 },
        new Date(),
        answered,
      );
    const goneIds = (await deliveriesTo(gone)).map((d) => d.id);
    const keptIds = (await deliveriesTo(kept)).map((d) => d.id);
    expect(await attemptsOf([...goneIds, ...keptIds])).toHaveLength(2);

    expect(await deleteEndpoint(hub.db, tenantId, gone)).toBe(true);

    expect(await deliveriesTo(gone)).toEqual([]);
    expect(await attemptsOf(goneIds)).toEqual([]);
    expect((await deliveriesTo(kept)).map((d) => d.status)).toEqual(["succeeded"]);
    expect(await attemptsOf(keptIds)).toHaveLength(1);
  });

  it("waits for a fan-out writing to it, then takes the deliveries that fan-out wrote", async () => {
    const tenantId = await newTenant(hub, "deleted-mid-fan-out");
    const gone = await endpoint(tenantId);
    const event = await journeyEvent(tenantId);
    let deletion: Promise<boolean> | undefined;
    await hub.db.transaction(async (tx) => {
      expect(await fanOutEvents(tx, [event])).toHaveLength(1);
      deletion = deleteEndpoint(hub.db, tenantId, gone);
      await untilWaitingOnALock();
    });
    expect(await deletion).toBe(true);
    expect(await deliveriesTo(gone)).toEqual([]);
  });

  it("leaves nothing to record for an attempt whose delivery went with it", async () => {
    const tenantId = await newTenant(hub, "deleted-mid-attempt");
    const gone = await endpoint(tenantId);
    const [written] = await fanOutEvents(hub.db, [await journeyEvent(tenantId)]);
    if (!written) throw new Error("no delivery written");
    expect(await deleteEndpoint(hub.db, tenantId, gone)).toBe(true);

    const failed = { kind: "failed", error: "connection refused", latencyMs: 3 } as const;
    await hub.db.transaction((tx) =>
      recordAttempt(
        tx,
        { id: written.deliveryId, tenantId, endpointId: gone, attemptCount: 0 },
        new Date(),
        failed,
        { status: "retry", delayMs: 5000 },
        hub.config.webhooks.disableAfterMs,
      ),
    );
    expect(await attemptsOf([written.deliveryId])).toEqual([]);
  });
});

/** Resolves once another session of this database waits for a row lock (the deletion, held off). */
async function untilWaitingOnALock(): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const [row] = rowsOf<{ n: number }>(
      await hub.db.execute(sql`SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event_type = 'Lock'`),
    );
    if ((row?.n ?? 0) > 0) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error("the deletion never waited for the fan-out's lock");
}
