import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createTestHub, type TestHub, testAdminToken } from "../support/testHub.js";
import {
  getNotification,
  loadDefaults,
  type NotificationJson,
  newCustomer,
  postNotification,
  ScriptedProvider,
  startNotificationWorkers,
} from "./support.js";

let hub: TestHub;
let tenant: { key: string; tenantId: string };
let provider: ScriptedProvider;
let workers: ReturnType<typeof startNotificationWorkers>;
let customer: string;

beforeAll(async () => {
  // One SMS a minute: the quota of a provider account the bank must not exceed.
  hub = await createTestHub({ NOTIFICATION_RATE_LIMITS: "sms=1/60000" });
  await loadDefaults(hub);
  tenant = await hub.createTenantWithKey("ops-bank", ["omni:read", "omni:write"]);
  provider = new ScriptedProvider();
  workers = startNotificationWorkers(hub, provider);
  customer = await newCustomer(hub, tenant.tenantId);
});
afterAll(async () => {
  await workers?.close();
  await hub?.close();
});

const otp = (channels: string[]) => ({
  recipientId: customer,
  channels,
  templateCode: "OTP_CODE",
  templateData: { code: "123456", validMinutes: 5 },
});

describe("operations", () => {
  it("a channel's rate limit holds its queue; other channels go on", async () => {
    const sent: NotificationJson[] = [];
    for (let i = 0; i < 3; i++)
      sent.push((await postNotification(hub, tenant.key, otp(["sms", "email"]))).body.data);
    await vi.waitFor(async () => {
      const all = await Promise.all(sent.map((n) => getNotification(hub, tenant.key, n.id)));
      const statuses = all.flatMap((n) => n.deliveries.map((d) => `${d.channel}:${d.status}`)).sort();
      expect(statuses).toEqual([...Array(3).fill("email:sent"), "sms:pending", "sms:pending", "sms:sent"]);
    });
    const queue = hub.producer.queues["notify-sms"];
    expect(await queue.getRateLimitTtl()).toBeGreaterThan(0);
    expect(provider.calls.filter((c) => c.content.channel === "sms")).toHaveLength(1);
  });

  it("/metrics has queue depth, deliveries by channel and status, and create-to-provider latency", async () => {
    const text = await (await hub.request("/metrics")).text();
    expect(text).toMatch(/switchboard_queue_jobs\{queue="notify-sms",state="prioritized"\} 2/);
    expect(text).toMatch(/switchboard_notification_deliveries_total\{channel="email",status="sent"\} 3/);
    expect(text).toMatch(/switchboard_notification_provider_latency_seconds_count\{channel="email"\} 3/);
  });

  it("the queue dashboard shows every channel's queue", async () => {
    const basic = Buffer.from(`admin:${testAdminToken}`).toString("base64");
    const res = await hub.request("/admin/queues/api/queues", {
      headers: { authorization: `Basic ${basic}` },
    });
    const names = ((await res.json()) as { queues: Array<{ name: string }> }).queues.map((q) => q.name);
    expect(names).toEqual(
      expect.arrayContaining([
        "notify-email",
        "notify-sms",
        "notify-push",
        "notify-in_app",
        "notify-whatsapp",
        "notify-telegram",
        "notification-sweep",
      ]),
    );
  });
});
