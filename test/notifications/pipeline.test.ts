import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { QueueName } from "../../queues/catalog.js";
import { providerWaitMs } from "../../queues/handlers/notifications.js";
import { customers, notificationDeliveries, notificationFallbacks } from "../../src/db/schema/index.js";
import { writeNotification } from "../../src/notifications/create.js";
import { enqueueDeliveries } from "../../src/notifications/jobs.js";
import { claimDelivery } from "../../src/notifications/statements.js";
import { findEffectiveTemplate } from "../../src/templates/service.js";
import { createTestHub, type TestHub } from "../support/testHub.js";
import {
  deliveryRow,
  eventsOf,
  getNotification,
  loadDefaults,
  newCustomer,
  postNotification,
  receipt,
  receiptSinkOf,
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
  hub = await createTestHub({ NOTIFICATION_MAX_ATTEMPTS: "3", NOTIFICATION_RETRY_DELAY_MS: "20" });
  await loadDefaults(hub);
  tenant = await hub.createTenantWithKey("pipe-bank", ["omni:read", "omni:write"]);
  provider = new ScriptedProvider();
  workers = startNotificationWorkers(hub, provider);
  customer = await newCustomer(hub, tenant.tenantId, { language: "id-ID" });
});
afterAll(async () => {
  await workers?.close();
  await hub?.close();
});

const stepRequired = (recipientId: string, channels: string[], extra: Record<string, unknown> = {}) => ({
  recipientId,
  channels,
  templateCode: "JOURNEY_STEP_REQUIRED",
  templateData: { journeyName: "SME Onboarding", stepName: "Document Collection", dueDate: "2024-01-17" },
  ...extra,
});

/** Runs `fn` with the queues paused, so the jobs it makes wait until the scripts are in place. */
const paused = <T>(queues: QueueName[], fn: () => Promise<T>) => withQueuesPaused(hub, queues, fn);

/** A notification written the way a producer inside the hub would, without the API's checks. */
async function writeDirectly(
  recipientId: string,
  templateCode: string,
  templateData: Record<string, unknown>,
  options: { ttlSeconds?: number; minutesAgo?: number; enqueue?: boolean } = {},
) {
  const template = await findEffectiveTemplate(hub.db, tenant.tenantId, templateCode);
  if (!template) throw new Error(`no ${templateCode}`);
  const now = new Date(Date.now() - (options.minutesAgo ?? 0) * 60_000);
  const detail = await hub.db.transaction((tx) =>
    writeNotification(
      tx,
      tenant.tenantId,
      { type: "system" },
      {
        recipientId,
        recipientType: "customer",
        channels: ["sms"],
        templateCode,
        templateData,
        priority: "normal",
        scheduleAt: null,
        ttlSeconds: options.ttlSeconds ?? null,
      },
      { template, customerId: recipientId },
      now,
    ),
  );
  if (options.enqueue !== false)
    await enqueueDeliveries(
      hub.producer,
      hub.config.notifications,
      detail.deliveries.map((d) => ({ id: d.id, channel: d.channel, priority: "normal", dueAt: d.dueAt })),
    );
  return detail.notification;
}

async function settled(id: string, statuses = ["sent", "delivered", "failed", "skipped", "expired"]) {
  let n = await getNotification(hub, tenant.key, id);
  await vi.waitFor(
    async () => {
      n = await getNotification(hub, tenant.key, id);
      expect(n.deliveries.every((d) => statuses.includes(d.status))).toBe(true);
    },
    { timeout: 10_000, interval: 50 },
  );
  return n;
}

describe("delivery", () => {
  it("renders each channel in the recipient's language and records the provider's id, with events on the customer's timeline", async () => {
    const created = await postNotification(
      hub,
      tenant.key,
      stepRequired(customer, ["email", "sms", "push", "whatsapp"]),
    );
    const n = await settled(created.body.data.id);
    expect(n.deliveries.map((d) => [d.channel, d.status, d.locale])).toEqual([
      ["email", "sent", "id"],
      ["sms", "sent", "id"],
      ["push", "sent", "id"],
      ["whatsapp", "sent", "id"],
    ]);
    expect(n.status).toBe("sent");
    const email = provider.acceptedFor(n.deliveries[0]?.id ?? "")[0];
    expect(email?.to).toMatch(/@example\.co\.id$/);
    expect(email?.content).toMatchObject({
      channel: "email",
      subject: "Tindakan diperlukan: Document Collection",
    });
    expect(provider.acceptedFor(n.deliveries[1]?.id ?? "")[0]?.to).toMatch(/^\+62812/);
    expect(provider.acceptedFor(n.deliveries[2]?.id ?? "")[0]?.to).toBe(customer);
    expect(n.deliveries[0]?.providerMessageId).toMatch(/^msg_/);
    const timeline = await eventsOf(hub, tenant.tenantId, n.id);
    expect(timeline.map((e) => e.type)).toEqual([
      "notification.created",
      ...Array(4).fill("notification.sent"),
    ]);
    expect(timeline.every((e) => e.customerId === customer)).toBe(true);
    // Events are ids and statuses: no address, no message.
    expect(JSON.stringify(timeline.map((e) => e.payload))).not.toMatch(
      /@example|\+62812|Document Collection/,
    );
  });

  it("reaches the customer where their profile says: a Telegram chat from their identities, never a channel they opted out of, and a merged customer's survivor", async () => {
    const chat = await newCustomer(hub, tenant.tenantId, { telegram: "700123456", optOuts: ["SMS"] });
    const created = await postNotification(hub, tenant.key, stepRequired(chat, ["telegram", "sms"]));
    const n = await settled(created.body.data.id);
    expect(n.deliveries.map((d) => [d.channel, d.status, d.reason])).toEqual([
      ["telegram", "sent", null],
      ["sms", "skipped", "the recipient opted out of sms"],
    ]);
    expect(provider.acceptedFor(n.deliveries[0]?.id ?? "")[0]?.to).toBe("700123456");
    expect(provider.acceptedFor(n.deliveries[1]?.id ?? "")).toEqual([]);

    const survivor = await newCustomer(hub, tenant.tenantId, { email: "survivor@example.co.id" });
    const merged = await newCustomer(hub, tenant.tenantId, { email: "merged@example.co.id" });
    await hub.db.update(customers).set({ mergedInto: survivor }).where(eq(customers.id, merged));
    const toMerged = await postNotification(hub, tenant.key, stepRequired(merged, ["email"]));
    const m = await settled(toMerged.body.data.id);
    expect(m.deliveries[0]?.status).toBe("sent");
    expect(provider.acceptedFor(m.deliveries[0]?.id ?? "")[0]?.to).toBe("survivor@example.co.id");
  });

  it("retries a transient failure and sends once; a permanent one fails at once, naming the reason without personal data", async () => {
    const created = await paused(["notify-sms", "notify-email"], async () => {
      const res = await postNotification(hub, tenant.key, stepRequired(customer, ["sms", "email"]));
      const [sms, email] = res.body.data.deliveries;
      provider.script.set(sms?.id ?? "", [
        { outcome: "transient", reason: "HTTP 503" },
        { outcome: "transient", reason: "timeout" },
      ]);
      provider.script.set(email?.id ?? "", [
        { outcome: "permanent", reason: "mailbox does not exist: budi@example.co.id" },
      ]);
      return res.body.data;
    });
    const n = await settled(created.id);
    const [sms, email] = created.deliveries;
    expect(n.deliveries.find((d) => d.channel === "sms")).toMatchObject({ status: "sent", attempts: 3 });
    expect(provider.calls.filter((c) => c.deliveryId === sms?.id)).toHaveLength(3);
    expect(provider.acceptedFor(sms?.id ?? "")).toHaveLength(1);
    expect(n.deliveries.find((d) => d.channel === "email")).toMatchObject({
      status: "failed",
      attempts: 1,
      reason: "mailbox does not exist: [email]",
    });
    expect(provider.calls.filter((c) => c.deliveryId === email?.id)).toHaveLength(1);
    const failed = (await eventsOf(hub, tenant.tenantId, n.id)).find((e) => e.type === "notification.failed");
    expect(failed?.payload).toMatchObject({
      channel: "email",
      deliveryId: email?.id,
      reason: "mailbox does not exist: [email]",
    });
  });

  it("waits as long as the provider asks (a flood limit's retry-after) before the next attempt", async () => {
    const calledAt: number[] = [];
    const created = await paused(["notify-sms"], async () => {
      const res = await postNotification(hub, tenant.key, stepRequired(customer, ["sms"]));
      provider.script.set(res.body.data.deliveries[0]?.id ?? "", [
        async () => {
          calledAt.push(Date.now());
          return { outcome: "transient", reason: "HTTP 429", retryAfterMs: 1500 };
        },
        async (_message, id) => {
          calledAt.push(Date.now());
          return { outcome: "sent", providerMessageId: id };
        },
      ]);
      return res.body.data;
    });
    const n = await settled(created.id);
    expect(n.deliveries[0]).toMatchObject({ status: "sent", attempts: 2 });
    // NOTIFICATION_RETRY_DELAY_MS is 20 here: only the provider's wait keeps the retry this far off.
    expect((calledAt[1] ?? 0) - (calledAt[0] ?? 0)).toBeGreaterThanOrEqual(1500);
  });

  it("a provider's wait counts from the attempt's own backoff, up to a day", () => {
    const settings = { retryDelayMs: 2000 };
    expect(providerWaitMs({ attempt: 1 }, settings)).toBeUndefined();
    expect(providerWaitMs({ attempt: 1, retryAfterMs: 0 }, settings)).toBeUndefined();
    expect(providerWaitMs({ attempt: 1, retryAfterMs: 30_000 }, settings)).toBe(30_000);
    // The fourth attempt's backoff (16 s) is longer than the provider's 5 s.
    expect(providerWaitMs({ attempt: 4, retryAfterMs: 5000 }, settings)).toBe(16_000);
    expect(providerWaitMs({ attempt: 1, retryAfterMs: 7 * 24 * 3600_000 }, settings)).toBe(24 * 3600_000);
  });

  it("gives up after NOTIFICATION_MAX_ATTEMPTS transient failures", async () => {
    const created = await paused(["notify-push"], async () => {
      const res = await postNotification(hub, tenant.key, stepRequired(customer, ["push"]));
      const id = res.body.data.deliveries[0]?.id ?? "";
      provider.script.set(id, Array(5).fill({ outcome: "transient", reason: "HTTP 429" }));
      return res.body.data;
    });
    const n = await settled(created.id);
    expect(n.deliveries[0]).toMatchObject({
      status: "failed",
      attempts: 3,
      reason: "gave up after 3 attempts: HTTP 429",
    });
    expect(provider.calls.filter((c) => c.deliveryId === created.deliveries[0]?.id)).toHaveLength(3);
  });

  it("a tenant's fallback rule (set through the admin API) sends on the next channel when push fails or has no address", async () => {
    const fallbacks = `/api/admin/tenants/${tenant.tenantId}/notification-fallbacks`;
    for (const [from, to] of [
      ["push", "sms"],
      ["email", "whatsapp"],
    ]) {
      const saved = await hub.adminRequest(`${fallbacks}/${from}`, {
        method: "PUT",
        json: { toChannel: to },
      });
      expect(saved.status).toBe(201);
    }
    try {
      const created = await paused(["notify-push"], async () => {
        const res = await postNotification(
          hub,
          tenant.key,
          stepRequired(customer, ["push"], { ttlSeconds: 3600 }),
        );
        provider.script.set(res.body.data.deliveries[0]?.id ?? "", [
          { outcome: "permanent", reason: "subscription gone (410)" },
        ]);
        return res.body.data;
      });
      const n = await settled(created.id);
      const push = n.deliveries.find((d) => d.channel === "push");
      expect(push).toMatchObject({ status: "failed", reason: "subscription gone (410)" });
      expect(n.deliveries.find((d) => d.channel === "sms")).toMatchObject({
        status: "sent",
        fallbackFrom: push?.id,
      });
      // Each delivery, the fallback's too, carries the notification's time-to-live for the sweeper.
      const rows = await hub.db
        .select({ expiresAt: notificationDeliveries.expiresAt })
        .from(notificationDeliveries)
        .where(eq(notificationDeliveries.notificationId, created.id));
      expect(n.expiresAt).not.toBeNull();
      expect(rows.map((r) => r.expiresAt?.toISOString())).toEqual([n.expiresAt, n.expiresAt]);

      const noEmail = await newCustomer(hub, tenant.tenantId, { email: null });
      const second = await postNotification(hub, tenant.key, stepRequired(noEmail, ["email"]));
      const m = await settled(second.body.data.id);
      expect(m.deliveries.map((d) => [d.channel, d.status, d.reason])).toEqual([
        ["email", "skipped", "the recipient has no email address"],
        ["whatsapp", "sent", null],
      ]);
    } finally {
      for (const from of ["push", "email"])
        expect((await hub.adminRequest(`${fallbacks}/${from}`, { method: "DELETE" })).status).toBe(204);
      expect(
        await hub.db
          .select()
          .from(notificationFallbacks)
          .where(eq(notificationFallbacks.tenantId, tenant.tenantId)),
      ).toEqual([]);
    }
  });

  it("falls back along the locale chain, and fails a message whose required variable is missing instead of sending a blank", async () => {
    const french = await newCustomer(hub, tenant.tenantId, { language: "fr-FR" });
    const created = await postNotification(hub, tenant.key, stepRequired(french, ["sms"]));
    expect((await settled(created.body.data.id)).deliveries[0]).toMatchObject({
      status: "sent",
      locale: "en",
    });

    // A notification written by a producer inside the hub, which skips the API's check.
    const { id } = await writeDirectly(customer, "JOURNEY_STEP_REQUIRED", { journeyName: "SME Onboarding" });
    const n = await settled(id);
    expect(n.deliveries[0]).toMatchObject({
      status: "failed",
      reason: "missing required variable: stepName",
    });
    expect(provider.calls.filter((c) => c.deliveryId === n.deliveries[0]?.id)).toEqual([]);
  });
});

describe("time-to-live", () => {
  it("an undelivered message past its TTL is expired, never sent late: by the worker and by the sweeper", async () => {
    const late = await writeDirectly(
      customer,
      "OTP_CODE",
      { code: "493817", validMinutes: 5 },
      { ttlSeconds: 300, minutesAgo: 10 },
    );
    const n = await settled(late.id);
    expect(n.deliveries[0]).toMatchObject({
      status: "expired",
      reason: "its time-to-live passed before it was sent",
    });
    expect(provider.calls.filter((c) => c.deliveryId === n.deliveries[0]?.id)).toEqual([]);

    await hub.producer.queues["notify-sms"].pause();
    try {
      const lost = await writeDirectly(
        customer,
        "OTP_CODE",
        { code: "111222", validMinutes: 5 },
        { ttlSeconds: 300, minutesAgo: 10, enqueue: false },
      );
      const result = await hub.producer.queues["notification-sweep"].add("notification-sweep", {});
      await vi.waitFor(
        async () =>
          expect((await getNotification(hub, tenant.key, lost.id)).deliveries[0]?.status).toBe("expired"),
        {
          timeout: 10_000,
        },
      );
      expect(await result.getState()).not.toBe("failed");
      const types = (await eventsOf(hub, tenant.tenantId, lost.id)).map((e) => e.type);
      expect(types).toEqual(["notification.created", "notification.expired"]);
    } finally {
      await hub.producer.queues["notify-sms"].resume();
    }
  });
});

describe("priority", () => {
  it("a critical notification is taken before a waiting bulk campaign", async () => {
    const bulk: string[] = [];
    const critical = await paused(["notify-sms"], async () => {
      for (let i = 0; i < 40; i++) {
        const res = await postNotification(
          hub,
          tenant.key,
          stepRequired(customer, ["sms"], { priority: "low" }),
        );
        bulk.push(res.body.data.deliveries[0]?.id ?? "");
      }
      const res = await postNotification(
        hub,
        tenant.key,
        stepRequired(customer, ["sms"], { priority: "critical" }),
      );
      return res.body.data.deliveries[0]?.id ?? "";
    });
    await vi.waitFor(
      () => expect(provider.calls.filter((c) => [critical, ...bulk].includes(c.deliveryId))).toHaveLength(41),
      {
        timeout: 15_000,
      },
    );
    const order = provider.calls.map((c) => c.deliveryId).filter((id) => [critical, ...bulk].includes(id));
    // The worker takes up to 20 jobs at once (the queue's concurrency): the critical one is among the
    // first it takes, where in arrival order it would be the 41st.
    expect(order.indexOf(critical)).toBeLessThan(20);
  });
});

describe("claims under load", () => {
  it("two jobs of one delivery claimed in one batched statement: only one of them holds it", async () => {
    const data = { journeyName: "SME Onboarding", stepName: "Document Collection", dueDate: "2024-01-17" };
    const [first, twice] = await Promise.all(
      [1, 2].map(() => writeDirectly(customer, "JOURNEY_STEP_REQUIRED", data, { enqueue: false })),
    );
    const deliveryOf = async (notificationId: string) => {
      const [row] = await hub.db
        .select({ id: notificationDeliveries.id })
        .from(notificationDeliveries)
        .where(eq(notificationDeliveries.notificationId, notificationId));
      return row?.id ?? "";
    };
    const [firstId, twiceId] = await Promise.all([deliveryOf(first?.id ?? ""), deliveryOf(twice?.id ?? "")]);
    // The first claim runs alone; the two made while it runs go together in the next statement.
    const claims = [firstId, twiceId, twiceId].map((id) => claimDelivery(hub.db, id, 60_000));
    const [alone, ...together] = await Promise.all(claims);
    expect(alone?.delivery.id).toBe(firstId);
    expect(together.filter((c) => c !== undefined).map((c) => c?.delivery.id)).toEqual([twiceId]);
    // The claim reads the recipient with it: the customer's language and addresses.
    expect(alone?.recipient?.customerId).toBe(customer);
    expect(alone?.recipient?.language).toBe("id-ID");
    expect(alone?.recipient?.addresses.sms).toMatch(/^\+/);
    expect(await deliveryRow(hub, twiceId)).toMatchObject({ attemptCount: 1 });
  });
});

describe("receipts", () => {
  it("a receipt that arrives before the send call has returned is not lost", async () => {
    const sink = receiptSinkOf(hub);
    const created = await paused(["notify-sms"], async () => {
      const res = await postNotification(hub, tenant.key, stepRequired(customer, ["sms"]));
      provider.script.set(res.body.data.deliveries[0]?.id ?? "", [
        async (_message, id) => {
          await sink.record(tenant.tenantId, receipt("sms", id, "delivered"));
          return { outcome: "sent", providerMessageId: id };
        },
      ]);
      return res.body.data;
    });
    const n = await settled(created.id, ["delivered", "failed"]);
    expect(n.deliveries[0]).toMatchObject({ status: "delivered" });
    expect(n.status).toBe("delivered");
    const types = (await eventsOf(hub, tenant.tenantId, n.id)).map((e) => e.type);
    expect(types).toEqual(["notification.created", "notification.sent", "notification.delivered"]);
  });

  it("statuses only move forward, whatever order receipts come in; a failed receipt starts the fallback", async () => {
    const sink = receiptSinkOf(hub);
    const created = await postNotification(hub, tenant.key, stepRequired(customer, ["sms", "email"]));
    const n = await settled(created.body.data.id);
    const sms = n.deliveries.find((d) => d.channel === "sms");
    const email = n.deliveries.find((d) => d.channel === "email");
    await sink.record(tenant.tenantId, receipt("sms", sms?.providerMessageId ?? "", "delivered"));
    await sink.record(tenant.tenantId, receipt("sms", sms?.providerMessageId ?? "", "sent"));
    await sink.record(
      tenant.tenantId,
      receipt("sms", sms?.providerMessageId ?? "", "failed", "30005 unknown destination"),
    );
    expect((await deliveryRow(hub, sms?.id ?? ""))?.status).toBe("delivered");
    // Another tenant's receipt with the same provider id changes nothing here.
    await sink.record("ten_other", receipt("email", email?.providerMessageId ?? "", "failed"));
    expect((await deliveryRow(hub, email?.id ?? ""))?.status).toBe("sent");

    await hub.db
      .insert(notificationFallbacks)
      .values({ tenantId: tenant.tenantId, fromChannel: "email", toChannel: "push" });
    try {
      await sink.record(
        tenant.tenantId,
        receipt("email", email?.providerMessageId ?? "", "failed", "bounced: user unknown"),
      );
      const after = await settled(n.id);
      expect(after.deliveries.map((d) => [d.channel, d.status])).toEqual([
        ["sms", "delivered"],
        ["email", "failed"],
        ["push", "sent"],
      ]);
      expect(after.deliveries.find((d) => d.channel === "email")?.reason).toBe("bounced: user unknown");
    } finally {
      await hub.db.delete(notificationFallbacks).where(eq(notificationFallbacks.tenantId, tenant.tenantId));
    }
  });
});
