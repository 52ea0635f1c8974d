import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChannelAccount, OutboundMessage } from "../../connectors/contract.js";
import { pushTopicOf } from "../../connectors/push/pushMessage.js";
import { webPushSender } from "../../connectors/push/webPushSender.js";
import { pushSubscriptionStore } from "../../src/pushSubscriptions/service.js";
import { newVapidKeys, startPushService } from "../support/fakes/pushService.js";
import { bearer, createTestHub, type TestHub } from "../support/testHub.js";
import { senderDeps } from "./senderDeps.js";

const vapid = newVapidKeys();
let hub: TestHub;
let push: Awaited<ReturnType<typeof startPushService>>;
let key: string;
let readKey: string;
let tenantId: string;

beforeAll(async () => {
  push = await startPushService(vapid.publicKey);
  hub = await createTestHub({ WEBHOOK_ALLOWED_NETWORKS: "127.0.0.1/32" });
  ({ key, tenantId } = await hub.createTenantWithKey("push-bank", ["omni:read", "omni:write"]));
  readKey = (await hub.createTenantWithKey("push-reader", ["omni:read"])).key;
});
afterAll(async () => {
  await hub?.close();
  await push?.close();
});

const subscribe = (customerId: string, subscription: unknown, apiKey = key) =>
  hub.request("/api/v1/omni/push-subscriptions", {
    method: "POST",
    headers: { ...bearer(apiKey), "content-type": "application/json" },
    body: JSON.stringify({ customerId, subscription }),
  });
type SubscriptionView = { id: string; customerId: string; pushService: string };

const account = (keys = vapid): ChannelAccount<"push"> => ({
  tenantId,
  channel: "push",
  provider: "webpush",
  enabled: true,
  updatedAt: new Date(),
  settings: {
    vapidPublicKey: keys.publicKey,
    vapidPrivateKey: keys.privateKey,
    subject: "mailto:push@bank.example",
  },
});
const sender = (keys = vapid) =>
  webPushSender(
    account(keys),
    senderDeps({ pushSubscriptions: pushSubscriptionStore(hub.db, hub.config.channels.secretKeys) }),
  );
const notification = (to: string, deliveryId: string): OutboundMessage<"push"> => ({
  deliveryId,
  tenantId,
  to,
  content: {
    channel: "push",
    title: "Tiket 12345",
    body: "Status tiket Anda berubah: selesai.",
    url: "https://bank.example/t/12345",
  },
});

describe("push subscriptions API (/api/v1/omni/push-subscriptions)", () => {
  it("stores a browser's subscription once per endpoint, never shows or stores the endpoint in clear", async () => {
    const browser = push.subscribeBrowser();
    const first = await subscribe("ent_customer_456", browser.json);
    expect(first.status).toBe(201);
    const created = ((await first.json()) as { data: SubscriptionView }).data;
    expect(created).toMatchObject({
      customerId: "ent_customer_456",
      pushService: push.url,
      id: expect.stringMatching(/^psu_/),
    });
    const again = await subscribe("ent_customer_456", browser.json);
    expect(again.status).toBe(200);
    expect(((await again.json()) as { data: SubscriptionView }).data.id).toBe(created.id);

    const listed = await hub.request("/api/v1/omni/push-subscriptions?customerId=ent_customer_456", {
      headers: bearer(key),
    });
    const body = await listed.text();
    expect(JSON.parse(body)).toMatchObject({ data: [{ id: created.id }], pagination: { total: 1 } });
    const dump = JSON.stringify(await hub.db.execute(sql`SELECT * FROM push_subscriptions`));
    for (const text of [body, dump]) {
      expect(text).not.toContain(browser.id);
      expect(text).not.toContain(browser.json.keys.p256dh);
      expect(text).not.toContain(browser.json.keys.auth);
    }
  });

  it("refuses endpoints the hub may not reach and keys that are not a browser's, naming the field", async () => {
    const browser = push.subscribeBrowser().json;
    const cases: Array<[unknown, Record<string, string>]> = [
      [
        { ...browser, endpoint: "http://10.1.2.3/push/x" },
        { "subscription.endpoint": expect.stringContaining("private") as unknown as string },
      ],
      [
        { ...browser, keys: { p256dh: "AAAA", auth: browser.keys.auth } },
        { "subscription.keys.p256dh": "p256dh must be 65 bytes" },
      ],
      [{ endpoint: browser.endpoint }, { "subscription.keys": "keys must be { p256dh, auth }" }],
    ];
    for (const [subscription, fields] of cases) {
      const res = await subscribe("ent_customer_456", subscription);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { fields: unknown } }).error.fields).toEqual(fields);
    }
    expect((await subscribe("4111 1111 1111 1111", browser)).status).toBe(400);
  });

  it("needs omni:write to subscribe and a key of the owning tenant to remove", async () => {
    const browser = push.subscribeBrowser().json;
    expect((await subscribe("ent_customer_9", browser, readKey)).status).toBe(403);
    expect((await hub.request("/api/v1/omni/push-subscriptions", { method: "POST" })).status).toBe(401);
    const mine = ((await (await subscribe("ent_customer_9", browser)).json()) as { data: SubscriptionView })
      .data;
    const otherTenant = await hub.createTenantWithKey("push-other", ["omni:write"]);
    const foreign = await hub.request(`/api/v1/omni/push-subscriptions/${mine.id}`, {
      method: "DELETE",
      headers: bearer(otherTenant.key),
    });
    expect(foreign.status).toBe(404);
    const removed = await hub.request(`/api/v1/omni/push-subscriptions/${mine.id}`, {
      method: "DELETE",
      headers: bearer(key),
    });
    expect(removed.status).toBe(204);
  });
});

describe("push sender: web-push (VAPID, aes128gcm) to a local push service", () => {
  it("sends to each of the recipient's browsers, which decrypt the notification; a gone browser is removed, then none is left", async () => {
    const laptop = push.subscribeBrowser();
    const phone = push.subscribeBrowser();
    await subscribe("ent_customer_777", laptop.json);
    await subscribe("ent_customer_777", phone.json);

    const result = await sender().send(notification("ent_customer_777", "dlv_push_1"));
    expect(result.outcome).toBe("sent");
    const got = push.received.filter((r) => [laptop.id, phone.id].includes(r.subscriptionId));
    expect(got.map((r) => r.subscriptionId).sort()).toEqual([laptop.id, phone.id].sort());
    for (const r of got) {
      expect(r.payload).toEqual({
        title: "Tiket 12345",
        body: "Status tiket Anda berubah: selesai.",
        url: "https://bank.example/t/12345",
        tag: "dlv_push_1",
      });
      expect(r.jwtClaims).toMatchObject({ aud: push.url, sub: "mailto:push@bank.example" });
      expect(r).toMatchObject({ ttl: "86400", topic: pushTopicOf("dlv_push_1"), urgency: "normal" });
    }
    expect(result).toMatchObject({
      providerMessageId: expect.stringMatching(
        new RegExp(`^${push.url}/messages/\\d+ ${push.url}/messages/\\d+$`),
      ),
    });

    push.unsubscribe(phone.id);
    expect((await sender().send(notification("ent_customer_777", "dlv_push_2"))).outcome).toBe("sent");
    const left = await hub.db.execute(
      sql`SELECT count(*)::int AS n FROM push_subscriptions WHERE customer_id = 'ent_customer_777'`,
    );
    expect(JSON.stringify(left)).toContain('"n":1');
    const events = JSON.stringify(
      await hub.db.execute(
        sql`SELECT type, customer_id, payload FROM events WHERE type = 'push_subscription.removed'`,
      ),
    );
    expect(events).toContain('"reason":"gone"');
    expect(events).toContain("ent_customer_777");

    push.unsubscribe(laptop.id);
    const last = await sender().send(notification("ent_customer_777", "dlv_push_3"));
    expect(last).toMatchObject({
      outcome: "permanent",
      reason: expect.stringContaining("unsubscribed (push HTTP 410"),
    });
    expect(await sender().send(notification("ent_customer_777", "dlv_push_4"))).toEqual({
      outcome: "permanent",
      reason: "push: the recipient has no browser subscription",
    });
  });

  it("a VAPID key the browser did not subscribe with is refused by the push service: permanent, subscription kept", async () => {
    const tablet = push.subscribeBrowser();
    await subscribe("ent_customer_888", tablet.json);
    const result = await sender(newVapidKeys()).send(notification("ent_customer_888", "dlv_push_5"));
    expect(result).toMatchObject({ outcome: "permanent", reason: expect.stringContaining("push HTTP 403") });
    expect(
      (
        await pushSubscriptionStore(hub.db, hub.config.channels.secretKeys).listForCustomer(
          tenantId,
          "ent_customer_888",
        )
      ).length,
    ).toBe(1);
  });
});
