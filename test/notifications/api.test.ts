import { count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { notificationDeliveries, notifications } from "../../src/db/schema/index.js";
import { bearer, createTestHub, type TestHub } from "../support/testHub.js";
import { eventsOf, loadDefaults, newCustomer, postNotification } from "./support.js";

let hub: TestHub;
let tenant: { key: string; tenantId: string };
let reader: { key: string };
let other: { key: string; tenantId: string };

beforeAll(async () => {
  hub = await createTestHub();
  await loadDefaults(hub);
  tenant = await hub.createTenantWithKey("ntf-bank", ["omni:read", "omni:write"]);
  reader = await hub.createTenantWithKey("ntf-reader", ["omni:read"]);
  other = await hub.createTenantWithKey("ntf-other", ["omni:read", "omni:write"]);
  // Document 001's example names this recipient.
  await newCustomer(hub, tenant.tenantId, { id: "ent_customer_456" });
});
afterAll(async () => {
  await hub?.close();
});

// Document 001's Create Notification example, as written.
const documentExample = {
  recipientId: "ent_customer_456",
  recipientType: "customer",
  channels: ["push", "email"],
  templateCode: "JOURNEY_STEP_REQUIRED",
  templateData: { journeyName: "SME Onboarding", stepName: "Document Collection", dueDate: "2024-01-17" },
  priority: "normal",
  scheduleAt: null,
};

async function list(query: string, key = tenant.key) {
  const res = await hub.request(`/api/v1/omni/notifications${query}`, { headers: bearer(key) });
  return {
    status: res.status,
    body: (await res.json()) as { data: Array<{ id: string }>; pagination: unknown },
  };
}

describe("POST /api/v1/omni/notifications", () => {
  it("takes document 001's example and writes the notification, a delivery per channel and notification.created", async () => {
    const res = await postNotification(hub, tenant.key, documentExample);
    expect(res.status).toBe(201);
    const n = res.body.data;
    expect(n).toMatchObject({
      recipientId: "ent_customer_456",
      recipientType: "customer",
      channels: ["push", "email"],
      templateCode: "JOURNEY_STEP_REQUIRED",
      templateVersion: 1,
      templateData: documentExample.templateData,
      priority: "normal",
      scheduleAt: null,
      status: "pending",
      read: false,
      inApp: null,
    });
    expect(n.deliveries.map((d) => [d.channel, d.status])).toEqual([
      ["push", "pending"],
      ["email", "pending"],
    ]);
    const written = await eventsOf(hub, tenant.tenantId, n.id);
    expect(written.map((e) => [e.type, e.customerId])).toEqual([
      ["notification.created", "ent_customer_456"],
    ]);
    expect(written[0]?.payload).toMatchObject({
      channels: ["push", "email"],
      deliveryIds: n.deliveries.map((d) => d.id),
    });
    // One job per delivery on its channel's queue, id = delivery id, payload ids only.
    const job = await hub.producer.queues["notify-push"].getJob(n.deliveries[0]?.id ?? "");
    expect(job?.data).toEqual({ deliveryId: n.deliveries[0]?.id });
    expect(job?.opts.priority).toBe(3);
  });

  it("refuses bad input with a 400 naming the field", async () => {
    const cases: Array<[Record<string, unknown>, string, string | RegExp]> = [
      [{ templateCode: "NO_SUCH_TEMPLATE" }, "templateCode", "no template NO_SUCH_TEMPLATE in this tenant"],
      [
        { templateData: { journeyName: "x" } },
        "templateData.stepName",
        "is required by JOURNEY_STEP_REQUIRED",
      ],
      [{ recipientId: "cus_nobody" }, "recipientId", "no customer cus_nobody in this tenant"],
      [{ channels: ["pigeon"] }, "channels.0", /must be one of/],
      [{ channels: ["sms", "sms"] }, "channels", "names a channel twice"],
      [{ channels: [] }, "channels", "must name at least one channel"],
      [{ priority: "urgent" }, "priority", /must be one of low, normal, high, critical/],
      [{ scheduleAt: "tomorrow" }, "scheduleAt", /ISO 8601/],
      [{ ttlSeconds: 0 }, "ttlSeconds", "must be at least 1"],
    ];
    for (const [change, field, message] of cases) {
      const res = await postNotification(hub, tenant.key, { ...documentExample, ...change });
      expect(res.status, field).toBe(400);
      expect((res.body.error as { fields: Record<string, string> }).fields[field], field).toMatch(message);
    }
    const archived = await hub.request("/api/v1/admin/templates/OTP_CODE/archive", {
      method: "POST",
      headers: bearer(tenant.key),
    });
    expect(archived.status).toBe(403); // the Rail key is no template admin
  });

  it("needs omni:write to create and keeps each tenant's notifications to itself", async () => {
    expect((await postNotification(hub, reader.key, documentExample)).status).toBe(403);
    const mine = await postNotification(hub, tenant.key, documentExample);
    const theirs = await hub.request(`/api/v1/omni/notifications/${mine.body.data.id}`, {
      headers: bearer(other.key),
    });
    expect(theirs.status).toBe(404);
    expect((await list("", other.key)).body.data).toEqual([]);
  });

  it("replays a retry with the same Idempotency-Key and refuses the key with another body", async () => {
    const headers = { "idempotency-key": "notify-once-1" };
    const first = await postNotification(hub, tenant.key, documentExample, headers);
    const again = await postNotification(hub, tenant.key, documentExample, headers);
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body.data.id).toBe(first.body.data.id);
    const changed = await postNotification(
      hub,
      tenant.key,
      { ...documentExample, priority: "high" },
      headers,
    );
    expect(changed.status).toBe(409);
  });

  it("two concurrent duplicates create one notification", async () => {
    const headers = { "idempotency-key": "notify-race-1" };
    const answers = await Promise.all(
      Array.from({ length: 12 }, () =>
        postNotification(hub, tenant.key, { ...documentExample, channels: ["sms"] }, headers),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(12).fill(201));
    const ids = new Set(answers.map((a) => a.body.data.id));
    expect(ids.size).toBe(1);
    const [id] = [...ids];
    const [rows] = await hub.db
      .select({ n: count() })
      .from(notifications)
      .where(eq(notifications.id, id ?? ""));
    const [deliveries] = await hub.db
      .select({ n: count() })
      .from(notificationDeliveries)
      .where(eq(notificationDeliveries.notificationId, id ?? ""));
    expect([rows?.n, deliveries?.n]).toEqual([1, 1]);
    expect(answers.filter((a) => a.headers.get("idempotent-replayed") === "true")).toHaveLength(11);
  });

  it("a scheduled notification becomes a delayed job, due at scheduleAt", async () => {
    const at = new Date(Date.now() + 3600_000);
    const res = await postNotification(hub, tenant.key, {
      ...documentExample,
      channels: ["sms"],
      scheduleAt: at.toISOString(),
      priority: "critical",
    });
    const delivery = res.body.data.deliveries[0];
    const job = await hub.producer.queues["notify-sms"].getJob(delivery?.id ?? "");
    expect(await job?.getState()).toBe("delayed");
    expect(job?.opts.priority).toBe(1);
    expect(job?.opts.delay).toBeGreaterThan(3500_000);
    expect(delivery).toMatchObject({ status: "pending", dueAt: at.toISOString() });
  });
});

describe("GET /api/v1/omni/notifications", () => {
  it("filters by recipient, channel, status and read state, newest first, paginated", async () => {
    const customer = await newCustomer(hub, tenant.tenantId);
    const a = await postNotification(hub, tenant.key, {
      ...documentExample,
      recipientId: customer,
      channels: ["sms"],
    });
    const b = await postNotification(hub, tenant.key, {
      ...documentExample,
      recipientId: customer,
      channels: ["email", "in_app"],
    });
    await hub.db
      .update(notificationDeliveries)
      .set({ status: "failed" })
      .where(eq(notificationDeliveries.id, a.body.data.deliveries[0]?.id ?? ""));
    const ids = (r: Awaited<ReturnType<typeof list>>) => r.body.data.map((n) => n.id);
    expect(ids(await list(`?recipientId=${customer}`))).toEqual([b.body.data.id, a.body.data.id]);
    expect(ids(await list(`?recipientId=${customer}&channel=in_app`))).toEqual([b.body.data.id]);
    expect(ids(await list(`?recipientId=${customer}&status=failed`))).toEqual([a.body.data.id]);
    expect(ids(await list(`?recipientId=${customer}&channel=email&status=failed`))).toEqual([]);
    const page = await list(`?recipientId=${customer}&perPage=1&page=2`);
    expect(page.body).toMatchObject({
      data: [{ id: a.body.data.id, status: "failed" }],
      pagination: { page: 2, perPage: 1, total: 2 },
    });

    const read = await hub.request(`/api/v1/omni/notifications/${b.body.data.id}/read`, {
      method: "POST",
      headers: bearer(tenant.key),
    });
    expect(((await read.json()) as { data: { read: boolean; readAt: string } }).data).toMatchObject({
      read: true,
      readAt: expect.any(String),
    });
    expect(ids(await list(`?recipientId=${customer}&read=true`))).toEqual([b.body.data.id]);
    expect(ids(await list(`?recipientId=${customer}&read=false`))).toEqual([a.body.data.id]);
    await hub.request(`/api/v1/omni/notifications/${b.body.data.id}/read`, {
      method: "POST",
      headers: bearer(tenant.key),
    });
    await hub.request(`/api/v1/omni/notifications/${b.body.data.id}/unread`, {
      method: "POST",
      headers: bearer(tenant.key),
    });
    expect(ids(await list(`?recipientId=${customer}&read=false`))).toEqual([b.body.data.id, a.body.data.id]);
    // Marking read twice wrote one event.
    const types = (await eventsOf(hub, tenant.tenantId, b.body.data.id)).map((e) => e.type);
    expect(types).toEqual(["notification.created", "notification.read", "notification.unread"]);
    expect((await list("?read=maybe")).status).toBe(400);
    expect(
      (
        await hub.request("/api/v1/omni/notifications/ntf_nope/read", {
          method: "POST",
          headers: bearer(tenant.key),
        })
      ).status,
    ).toBe(404);
  });
});
