import { count, eq } from "drizzle-orm";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { relayOutbox } from "../../queues/handlers/outboxRelay.js";
import { foldLockKey } from "../../src/customers/foldLock.js";
import { channelFoldPending, eventOutbox, events } from "../../src/db/schema/index.js";
import { type EventType, eventTypes } from "../../src/events/catalog.js";
import { recordEvent } from "../../src/events/writer.js";
import { foldPendingActivity } from "../../src/sct07/analytics/fold.js";
import { bearer, createTestHub, type TestHub } from "../support/testHub.js";

// biome-ignore lint/suspicious/noExplicitAny: tests read answers as JSON and assert on them.
type Json = Record<string, any>;

const minuteMs = 60_000;
const hourMs = 60 * minuteMs;
const scopes = ["analytics:read", "customers:read", "customers:write", "sessions:write"];

let hub: TestHub;
beforeAll(async () => {
  hub = await createTestHub();
});
afterAll(async () => {
  await hub.close();
});

async function get(key: string, path: string) {
  const res = await hub.request(path, { headers: bearer(key) });
  expect(res.status).toBe(200);
  return (await res.json()) as Json;
}

async function post(key: string, path: string, body: unknown) {
  const res = await hub.request(path, {
    method: "POST",
    headers: { ...bearer(key), "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(res.status, await res.clone().text()).toBeLessThan(300);
  return (await res.json()) as Json;
}

/** An event as the writers record them, at a chosen time. */
async function activity(tenantId: string, customerId: string, channel: string, type: EventType, at: Date) {
  await hub.db.transaction((tx) =>
    recordEvent(tx, {
      tenantId,
      type,
      subject: { type: "customer", id: customerId },
      actor: { type: "system" },
      channel,
      customerId,
      payload: {},
      occurredAt: at,
    }),
  );
}

const relayAll = async () => {
  while ((await relayOutbox(hub.db, hub.producer, [])) > 0);
};

async function states(tenantId: string) {
  const [unpublished] = await hub.db
    .select({ n: count() })
    .from(eventOutbox)
    .innerJoin(events, eq(events.id, eventOutbox.eventId))
    .where(eq(events.tenantId, tenantId));
  const [pending] = await hub.db
    .select({ n: count() })
    .from(channelFoldPending)
    .where(eq(channelFoldPending.tenantId, tenantId));
  return { unpublished: unpublished?.n ?? 0, pending: pending?.n ?? 0 };
}

describe("channel analytics over folded, pending and unpublished events", () => {
  it("answers exactly with events in all three states at once, the window's partial first hour included", async () => {
    const bank = await hub.createTenantWithKey("analytics-states", scopes);
    const t = bank.tenantId;
    const now = Date.now();
    // A window that starts 20 minutes into an hour: its first hour is partly in, partly out.
    const from = new Date(Math.floor((now - 5 * hourMs) / hourMs) * hourMs + 20 * minuteMs);
    const at = (offsetMs: number) => new Date(from.getTime() + offsetMs);

    // Folded: c1 before the window (not counted) and in its partial first hour, c2 later, c3's handoff.
    await activity(t, "cus_1", "WEB", eventTypes.sessionStarted, at(-minuteMs));
    await activity(t, "cus_1", "WEB", eventTypes.ticketCreated, at(5 * minuteMs));
    await activity(t, "cus_0", "WEB", eventTypes.ticketCreated, at(-2 * minuteMs));
    await activity(t, "cus_2", "WEB", eventTypes.ticketCreated, at(2 * hourMs));
    await activity(t, "cus_3", "MOBILE_IOS", eventTypes.sessionHandoffCompleted, at(3 * hourMs));
    await relayAll();
    await foldPendingActivity(hub.db);
    // Pending (published, not folded): c1 again later (its latest activity moves hours), c4 new.
    await activity(t, "cus_1", "WEB", eventTypes.sessionStarted, new Date(now - 10 * minuteMs));
    await activity(t, "cus_4", "WEB", eventTypes.ticketCreated, at(10 * minuteMs));
    await relayAll();
    // Unpublished: c2 on another channel, c5 through the API.
    await activity(t, "cus_2", "MOBILE_IOS", eventTypes.journeyCreated, new Date(now - 5 * minuteMs));
    await activity(t, "cus_5", "API", "notification.created" as EventType, new Date(now - minuteMs));
    expect(await states(t)).toEqual({ unpublished: 2, pending: 2 });

    const expected = {
      channels: [
        { channel: "WEB", active_users: 3, transactions: 3 },
        { channel: "MOBILE_IOS", active_users: 2, transactions: 1 },
        { channel: "API", active_users: 1, transactions: 1 },
      ],
      cross_channel_journeys: 1,
    };
    const window = `/api/v1/analytics/channels?from=${encodeURIComponent(from.toISOString())}`;
    expect(await get(bank.key, window)).toEqual(expected);
    // The same window closed a moment ago counts the events themselves: the other way to the answer.
    const closed = `${window}&to=${encodeURIComponent(new Date(Date.now() - 1000).toISOString())}`;
    expect(await get(bank.key, closed)).toEqual(expected);

    await foldPendingActivity(hub.db);
    expect(await states(t)).toEqual({ unpublished: 2, pending: 0 });
    expect(await get(bank.key, window)).toEqual(expected);
    await relayAll();
    expect(await states(t)).toEqual({ unpublished: 0, pending: 2 });
    expect(await get(bank.key, window)).toEqual(expected);
    await foldPendingActivity(hub.db);
    expect(await states(t)).toEqual({ unpublished: 0, pending: 0 });
    expect(await get(bank.key, window)).toEqual(expected);
  });

  it("the relay publishes while a fold holds the fold lock: folding is not on its path", async () => {
    const bank = await hub.createTenantWithKey("analytics-relay", scopes);
    await relayAll();
    const holder = new pg.Client({ connectionString: hub.database.url });
    await holder.connect();
    try {
      await holder.query("BEGIN");
      await holder.query("SELECT pg_advisory_xact_lock($1)", [foldLockKey]);
      await activity(bank.tenantId, "cus_r", "WEB", eventTypes.sessionStarted, new Date());
      // Were the relay to fold (or take the fold lock), this would wait for the holder: forever.
      expect(await relayOutbox(hub.db, hub.producer, [])).toBe(1);
      expect(await states(bank.tenantId)).toEqual({ unpublished: 0, pending: 1 });
      await holder.query("ROLLBACK");
    } finally {
      await holder.end();
    }
    expect(await foldPendingActivity(hub.db)).toBe(1);
    expect((await get(bank.key, "/api/v1/analytics/channels")).channels).toEqual([
      { channel: "WEB", active_users: 1, transactions: 0 },
    ]);
  });

  it("a merge leaves one active customer where there were two, folded or pending", async () => {
    const bank = await hub.createTenantWithKey("analytics-merge", scopes);
    const a = (await post(bank.key, "/api/v1/customers", { name: "A" })).customer_id as string;
    const b = (await post(bank.key, "/api/v1/customers", { name: "B" })).customer_id as string;
    for (const id of [a, b]) await post(bank.key, "/api/v1/sessions", { customer_id: id, channel: "WEB" });
    await relayAll();
    await foldPendingActivity(hub.db);
    await post(bank.key, "/api/v1/sessions", { customer_id: b, channel: "MOBILE_IOS" });
    await relayAll();
    const before = await get(bank.key, "/api/v1/analytics/channels");
    expect(before.channels).toEqual([
      { channel: "WEB", active_users: 2, transactions: 0 },
      { channel: "MOBILE_IOS", active_users: 1, transactions: 0 },
    ]);
    await post(bank.key, "/api/v1/customers/merge", { survivor_id: a, merged_id: b });
    const after = [
      { channel: "WEB", active_users: 1, transactions: 0 },
      { channel: "MOBILE_IOS", active_users: 1, transactions: 0 },
    ];
    expect((await get(bank.key, "/api/v1/analytics/channels")).channels).toEqual(after);
    await relayAll();
    await foldPendingActivity(hub.db);
    expect((await get(bank.key, "/api/v1/analytics/channels")).channels).toEqual(after);
  });
});
