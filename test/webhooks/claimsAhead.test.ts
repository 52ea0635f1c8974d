import { eq, inArray, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { events, webhookDeliveries } from "../../src/db/schema/index.js";
import { claimsAhead } from "../../src/webhooks/claimsAhead.js";
import { deliverWebhook, deliveryHoldMs } from "../../src/webhooks/deliver.js";
import { fanOutEvents } from "../../src/webhooks/fanOut.js";
import { createTestHub, type TestHub } from "../support/testHub.js";
import { startReceiver } from "./receiver.js";
import { endpointWithEvents } from "./support.js";

let hub: TestHub;
beforeAll(async () => {
  hub = await createTestHub({ WEBHOOK_ALLOWED_NETWORKS: "127.0.0.0/8", WEBHOOK_TIMEOUT_MS: "2000" });
});
afterAll(async () => {
  await hub?.close();
});

/** `count` deliveries to one endpoint at `url`, in their events' order, written as the fan-out writes them. */
async function deliveriesTo(slug: string, url: string, count: number) {
  const eventIds = await endpointWithEvents(hub, slug, url, count);
  const rows = await hub.db.select().from(events).where(inArray(events.id, eventIds));
  const byId = new Map(rows.map((e) => [e.id, e]));
  const written = await fanOutEvents(
    hub.db,
    eventIds.map((id) => byId.get(id) as (typeof rows)[number]),
  );
  return { eventIds, deliveryIds: written.map((d) => d.deliveryId) };
}

async function heldUntilOf(ids: readonly string[]) {
  const rows = await hub.db
    .select({ id: webhookDeliveries.id, lockedUntil: webhookDeliveries.lockedUntil })
    .from(webhookDeliveries)
    .where(inArray(webhookDeliveries.id, [...ids]));
  const byId = new Map(rows.map((r) => [r.id, r.lockedUntil]));
  return ids.map((id) => byId.get(id) ?? null);
}

const holdMs = () => deliveryHoldMs(hub.config.webhooks);

describe("claims made ahead of a batch job's turns", () => {
  it("holds the next deliveries as the first turn comes, and gives back the holds of turns that never came", async () => {
    const { deliveryIds } = await deliveriesTo("ahead-release", "http://127.0.0.1:9/", 6);
    const claims = claimsAhead(hub.db, hub.config.channels.secretKeys, holdMs(), deliveryIds, 4);
    const first = await claims.take(deliveryIds[0] as string);
    expect(first?.id).toBe(deliveryIds[0]);
    // The first turn asked for a window's worth: the four after it are held already.
    await expect.poll(async () => (await heldUntilOf(deliveryIds.slice(1, 5))).every(Boolean)).toBe(true);
    expect(await heldUntilOf(deliveryIds.slice(5))).toEqual([null]);
    // Another worker took the third once its hold lapsed: its hold is not this job's to give back.
    const third = deliveryIds[2] as string;
    await hub.db
      .update(webhookDeliveries)
      .set({ lockedUntil: sql`now() + interval '1 minute'` })
      .where(eq(webhookDeliveries.id, third));
    // The line stopped before the others' turns: their holds are given back, and only theirs.
    await claims.releaseUnused();
    const after = await heldUntilOf(deliveryIds);
    expect(after[0]).not.toBeNull();
    expect(after[2]).not.toBeNull();
    expect([after[1], after[3], after[4], after[5]]).toEqual([null, null, null, null]);
  });

  it("holds a job's first chunk as it joins its line, before any turn, and only that chunk", async () => {
    const { deliveryIds } = await deliveriesTo("ahead-prime", "http://127.0.0.1:9/", 10);
    // A window of 8 is asked for a quarter (2) at a time.
    const claims = claimsAhead(hub.db, hub.config.channels.secretKeys, holdMs(), deliveryIds, 8);
    claims.prime();
    await expect.poll(async () => (await heldUntilOf(deliveryIds.slice(0, 2))).every(Boolean)).toBe(true);
    expect((await heldUntilOf(deliveryIds.slice(2))).every((h) => h === null)).toBe(true);
    // The first turn finds its claim made, and asks for the rest of the window.
    expect((await claims.take(deliveryIds[0] as string))?.id).toBe(deliveryIds[0]);
    await expect.poll(async () => (await heldUntilOf(deliveryIds.slice(1, 9))).every(Boolean)).toBe(true);
    expect(await heldUntilOf(deliveryIds.slice(9))).toEqual([null]);
    await claims.releaseUnused();
  });

  it("renews a claim made ahead whose turn was long in coming before it sends, and sends nothing once another worker holds it", async () => {
    const receiver = await startReceiver(() => 200);
    try {
      const { eventIds, deliveryIds } = await deliveriesTo("ahead-stale", receiver.url, 2);
      const [kept, lost] = deliveryIds as [string, string];
      const claims = claimsAhead(hub.db, hub.config.channels.secretKeys, holdMs(), deliveryIds, 2);
      const keptClaim = await claims.take(kept);
      const lostClaim = await claims.take(lost);
      if (!keptClaim || !lostClaim) throw new Error("both should have been claimed");
      // Both claims are older than half the POST's deadline: their holds may not cover an attempt.
      const longAgo = performance.now() - hub.config.webhooks.timeoutMs;
      // The second one's hold lapsed meanwhile and another worker holds it now.
      await hub.db
        .update(webhookDeliveries)
        .set({ lockedUntil: sql`now() + interval '1 minute'` })
        .where(eq(webhookDeliveries.id, lost));

      const heldBefore = (await heldUntilOf([kept]))[0];
      const sent = await deliverWebhook(hub.db, hub.config.webhooks, hub.config.channels.secretKeys, kept, {
        firstOnly: true,
        claimed: Promise.resolve({ ...keptClaim, askedAt: longAgo }),
      });
      expect(sent.status).toBe("succeeded");
      expect(receiver.of(eventIds[0] as string)).toHaveLength(1);

      const notSent = await deliverWebhook(
        hub.db,
        hub.config.webhooks,
        hub.config.channels.secretKeys,
        lost,
        {
          firstOnly: true,
          claimed: Promise.resolve({ ...lostClaim, askedAt: longAgo }),
        },
      );
      expect(notSent.status).toBe("busy");
      expect(receiver.of(eventIds[1] as string)).toEqual([]);
      expect(heldBefore).not.toBeNull();
    } finally {
      await receiver.close();
    }
  });
});
