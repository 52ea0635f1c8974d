import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { notificationSweepHandler } from "../../queues/handlers/notifications.js";
import { deliverNotification } from "../../src/notifications/deliver.js";
import { silentInAppAnnouncer } from "../../src/notifications/inApp/announcer.js";
import { noSenders, type SenderSource } from "../../src/notifications/ports.js";
import { deleteRedisKeys } from "../support/redis.js";
import { createTestHub, type TestHub } from "../support/testHub.js";
import {
  deliveryRow,
  getNotification,
  loadDefaults,
  type NotificationJson,
  newCustomer,
  postNotification,
  ScriptedProvider,
  startNotificationWorkers,
  withQueuesPaused,
} from "./support.js";

let hub: TestHub;
let tenant: { key: string; tenantId: string };
let provider: ScriptedProvider;
let workers: ReturnType<typeof startNotificationWorkers>;
let customer: string;

beforeAll(async () => {
  hub = await createTestHub();
  await loadDefaults(hub);
  tenant = await hub.createTenantWithKey("loss-bank", ["omni:read", "omni:write"]);
  provider = new ScriptedProvider();
  workers = startNotificationWorkers(hub, provider);
  customer = await newCustomer(hub, tenant.tenantId);
});
afterAll(async () => {
  await workers?.close();
  await hub?.close();
});

const otp = (code: string) => ({
  recipientId: customer,
  channels: ["sms", "email"],
  templateCode: "OTP_CODE",
  templateData: { code, validMinutes: 5 },
});

const sweep = () => hub.producer.queues["notification-sweep"].add("notification-sweep", {});

describe("Redis losing its data", () => {
  it("loses no delivery and sends none twice: the sweeper re-enqueues what is due and missing", async () => {
    // One notification sent before the loss: it must not go again.
    const before = await postNotification(hub, tenant.key, otp("100001"));
    await vi.waitFor(async () =>
      expect(
        (await getNotification(hub, tenant.key, before.body.data.id)).deliveries.map((d) => d.status),
      ).toEqual(["sent", "sent"]),
    );
    // Five waiting in Redis (their queues paused) when Redis loses everything.
    await Promise.all([
      hub.producer.queues["notify-sms"].pause(),
      hub.producer.queues["notify-email"].pause(),
    ]);
    const waiting: NotificationJson[] = [];
    for (let i = 0; i < 5; i++)
      waiting.push((await postNotification(hub, tenant.key, otp(`20000${i}`))).body.data);
    await deleteRedisKeys(hub.prefix);
    const first = waiting[0]?.deliveries[0]?.id ?? "";
    expect(await hub.producer.queues["notify-sms"].getJob(first)).toBeUndefined();
    expect(
      provider.calls.filter((c) => waiting.some((n) => n.deliveries.some((d) => d.id === c.deliveryId))),
    ).toEqual([]);

    // The sweeper's schedule went with Redis too (the keeper recreates it in a hub): run it by hand.
    await sweep();
    await vi.waitFor(
      async () => {
        for (const n of waiting)
          expect((await getNotification(hub, tenant.key, n.id)).deliveries.map((d) => d.status)).toEqual([
            "sent",
            "sent",
          ]);
      },
      { timeout: 15_000, interval: 100 },
    );
    for (const n of [before.body.data, ...waiting])
      for (const d of n.deliveries) expect(provider.acceptedFor(d.id), d.id).toHaveLength(1);
    // Sweeping again, with every job done, sends nothing more.
    await sweep();
    await sweep();
    await vi.waitFor(async () =>
      expect(await hub.producer.queues["notification-sweep"].getCompletedCount()).toBeGreaterThanOrEqual(3),
    );
    for (const n of [before.body.data, ...waiting])
      for (const d of n.deliveries) expect(provider.acceptedFor(d.id), d.id).toHaveLength(1);
  });

  it("a backlog of many pages comes back in one tick, not one page a tick", async () => {
    // 25 SMS waiting when Redis loses everything; the sweeper reads pages of 10 here (1,000 in the hub).
    const waiting: NotificationJson[] = await withQueuesPaused(hub, ["notify-sms"], async () => {
      const posted: NotificationJson[] = [];
      for (let i = 0; i < 25; i++)
        posted.push(
          (await postNotification(hub, tenant.key, { ...otp(`40000${i}`), channels: ["sms"] })).body.data,
        );
      await deleteRedisKeys(hub.prefix);
      return posted;
    });
    const tick = notificationSweepHandler(
      {
        db: hub.db,
        producer: hub.producer,
        metrics: hub.metrics,
        notifications: {
          senders: noSenders,
          inApp: silentInAppAnnouncer,
          settings: hub.config.notifications,
          providerTimeoutMs: 1000,
        },
      },
      { size: 10, max: 5 },
    );
    expect(await tick()).toEqual({ expired: 0, requeued: 25 });
    await vi.waitFor(
      async () => {
        for (const n of waiting)
          expect((await getNotification(hub, tenant.key, n.id)).deliveries[0]?.status, n.id).toBe("sent");
      },
      { timeout: 15_000, interval: 100 },
    );
    for (const n of waiting) expect(provider.acceptedFor(n.deliveries[0]?.id ?? "")).toHaveLength(1);
    // With every job done, a tick reads one page and puts nothing back.
    expect(await tick()).toEqual({ expired: 0, requeued: 0 });
  });

  it("the sweeper leaves a job that is still waiting alone", async () => {
    await hub.producer.queues["notify-sms"].pause();
    try {
      const n = (await postNotification(hub, tenant.key, { ...otp("300001"), channels: ["sms"] })).body.data;
      const job = await sweep();
      await vi.waitFor(async () => expect(await job.getState()).toBe("completed"));
      expect(
        (await hub.producer.queues["notification-sweep"].getJob(job.id ?? ""))?.returnvalue,
      ).toMatchObject({ requeued: 0 });
      expect(
        await (await hub.producer.queues["notify-sms"].getJob(n.deliveries[0]?.id ?? ""))?.getState(),
      ).toBe("prioritized");
    } finally {
      await hub.producer.queues["notify-sms"].resume();
    }
  });
});

describe("the send step", () => {
  it("a send whose row cannot be written is remembered in its job, and the retry records it without sending again", async () => {
    // Every SMS row refuses to become sent (a check added NOT VALID: the rows already sent stay).
    await hub.db.execute(
      sql.raw(
        "ALTER TABLE notification_deliveries ADD CONSTRAINT test_sms_unrecordable CHECK (channel <> 'sms' OR status <> 'sent') NOT VALID",
      ),
    );
    let created: NotificationJson[] = [];
    // The provider id each SMS job remembered while its row could not be written.
    const remembered = new Map<string, string>();
    try {
      // Queued together and let go at once: the failed records' memos go in shared round trips.
      created = await withQueuesPaused(hub, ["notify-sms", "notify-email"], async () => {
        const posted: NotificationJson[] = [];
        for (let i = 0; i < 12; i++)
          posted.push((await postNotification(hub, tenant.key, otp(`60000${i}`))).body.data);
        return posted;
      });
      const sms = created.flatMap((n) => n.deliveries.filter((d) => d.channel === "sms"));
      await vi.waitFor(
        async () => {
          for (const d of sms) {
            const job = await hub.producer.queues["notify-sms"].getJob(d.id);
            expect(job?.data.sent, d.id).toMatchObject({ provider: "scripted" });
            expect((await deliveryRow(hub, d.id))?.status, d.id).toBe("pending");
            remembered.set(d.id, job?.data.sent?.providerMessageId ?? "");
          }
        },
        { timeout: 15_000, interval: 100 },
      );
    } finally {
      await hub.db.execute(
        sql.raw("ALTER TABLE notification_deliveries DROP CONSTRAINT test_sms_unrecordable"),
      );
    }
    const ids = created.flatMap((n) => n.deliveries.map((d) => d.id));
    await vi.waitFor(
      async () => {
        for (const id of ids) expect((await deliveryRow(hub, id))?.status, id).toBe("sent");
      },
      { timeout: 20_000, interval: 100 },
    );
    for (const d of created.flatMap((n) => n.deliveries)) {
      expect(provider.acceptedFor(d.id), d.id).toHaveLength(1);
      // The retry recorded the id the provider gave the one send (completed jobs are not kept).
      if (d.channel === "sms")
        expect((await deliveryRow(hub, d.id))?.externalId, d.id).toBe(remembered.get(d.id));
    }
  });

  it("a retry of a job whose send was accepted records the provider's id and sends nothing", async () => {
    await hub.producer.queues["notify-sms"].pause();
    try {
      const n = (await postNotification(hub, tenant.key, { ...otp("400001"), channels: ["sms"] })).body.data;
      const id = n.deliveries[0]?.id ?? "";
      let sends = 0;
      const counting: SenderSource = {
        senderFor: async (_tenantId, channel) => ({
          ok: true,
          provider: "counting",
          sender: { channel, send: async () => ({ outcome: "sent", providerMessageId: `count_${++sends}` }) },
        }),
      };
      const deps = {
        db: hub.db,
        senders: counting,
        inApp: silentInAppAnnouncer,
        settings: hub.config.notifications,
        holdMs: 60_000,
        enqueue: async () => undefined,
      };
      // As a job retried after its first attempt's write failed: it carries the provider's id.
      const result = await deliverNotification(
        deps,
        id,
        { providerMessageId: "SM123", provider: "twilio" },
        async () => undefined,
      );
      expect(result).toMatchObject({ status: "sent" });
      expect(sends).toBe(0);
      expect(await deliveryRow(hub, id)).toMatchObject({
        status: "sent",
        externalId: "SM123",
        provider: "twilio",
      });
      // And a duplicate job for a delivery already sent sends nothing either.
      expect(await deliverNotification(deps, id, undefined, async () => undefined)).toEqual({
        status: "not_pending",
      });
      expect(sends).toBe(0);
    } finally {
      await hub.producer.queues["notify-sms"].resume();
    }
  });

  it("a delivery held by another worker is not sent beside it", async () => {
    await hub.producer.queues["notify-sms"].pause();
    try {
      const n = (await postNotification(hub, tenant.key, { ...otp("500001"), channels: ["sms"] })).body.data;
      const id = n.deliveries[0]?.id ?? "";
      let release: () => void = () => undefined;
      let sending = false;
      const slow: SenderSource = {
        senderFor: async (_tenantId, channel) => ({
          ok: true,
          provider: "slow",
          sender: {
            channel,
            send: () =>
              new Promise((resolve) => {
                release = () => resolve({ outcome: "sent", providerMessageId: "slow_1" });
                sending = true;
              }),
          },
        }),
      };
      const deps = {
        db: hub.db,
        inApp: silentInAppAnnouncer,
        settings: hub.config.notifications,
        holdMs: 60_000,
        enqueue: async () => undefined,
      };
      const first = deliverNotification({ ...deps, senders: slow }, id, undefined, async () => undefined);
      // The first holds the delivery and is inside send(): release() below lets that very call answer.
      await vi.waitFor(() => expect(sending).toBe(true), { timeout: 10_000, interval: 10 });
      expect((await deliveryRow(hub, id))?.lockedUntil).not.toBeNull();
      expect(
        await deliverNotification({ ...deps, senders: noSenders }, id, undefined, async () => undefined),
      ).toEqual({ status: "busy" });
      release();
      expect(await first).toMatchObject({ status: "sent" });
      expect(await deliveryRow(hub, id)).toMatchObject({
        status: "sent",
        attemptCount: 1,
        lockedUntil: null,
      });
    } finally {
      await hub.producer.queues["notify-sms"].resume();
    }
  });
});
