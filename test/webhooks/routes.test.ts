import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { bearer, createTestHub, type TestHub } from "../support/testHub.js";
import { startReceiver } from "./receiver.js";
import { startDeliveryWorkers } from "./support.js";

let hub: TestHub;
let workers: ReturnType<typeof startDeliveryWorkers>;
let key: string;
let readOnly: string;
let otherTenant: string;
beforeAll(async () => {
  hub = await createTestHub({ WEBHOOK_ALLOWED_NETWORKS: "127.0.0.0/8", WEBHOOK_RETRY_DELAYS_MS: "3600000" });
  workers = startDeliveryWorkers(hub);
  key = (await hub.createTenantWithKey("hooks", ["webhooks:read", "webhooks:write"])).key;
  readOnly = (await hub.createTenantWithKey("hooks-reader", ["webhooks:read"])).key;
  otherTenant = (await hub.createTenantWithKey("hooks-other", ["webhooks:read", "webhooks:write"])).key;
});
afterAll(async () => {
  await workers?.close();
  await hub?.close();
});

async function call(path: string, init: { method?: string; json?: unknown; as?: string } = {}) {
  const res = await hub.request(path, {
    method: init.method ?? "GET",
    headers: { ...bearer(init.as ?? key), ...(init.json ? { "content-type": "application/json" } : {}) },
    body: init.json ? JSON.stringify(init.json) : null,
  });
  // biome-ignore lint/suspicious/noExplicitAny: the tests read answers as the documented JSON
  const body = (res.status === 204 ? {} : await res.json()) as { data: any; error: any; pagination: unknown };
  return { status: res.status, body };
}

describe("/api/v1/webhooks", () => {
  it("manages an endpoint: the secret on creation and rotation only, tenant-scoped, scope-checked", async () => {
    const created = await call("/api/v1/webhooks/endpoints", {
      method: "POST",
      json: {
        url: "http://127.0.0.1:9/hook",
        eventTypes: ["TICKET_CREATED", "omni.journey.*"],
        description: "core",
      },
    });
    expect(created.status).toBe(201);
    expect(created.body.data.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    const id = created.body.data.id;
    const got = await call(`/api/v1/webhooks/endpoints/${id}`);
    expect(got.body.data).toMatchObject({ id, enabled: true, description: "core" });
    expect(got.body.data.secret).toBeUndefined();
    const listed = await call("/api/v1/webhooks/endpoints");
    expect(listed.body.pagination).toEqual({ page: 1, perPage: 20, total: 1 });
    expect((await call(`/api/v1/webhooks/endpoints/${id}`, { as: otherTenant })).status).toBe(404);
    expect(
      (
        await call("/api/v1/webhooks/endpoints", {
          method: "POST",
          as: readOnly,
          json: { url: "https://a.example/", eventTypes: ["*"] },
        })
      ).status,
    ).toBe(403);
    const rotated = await call(`/api/v1/webhooks/endpoints/${id}/rotate-secret`, { method: "POST" });
    expect(rotated.body.data.secret).not.toBe(created.body.data.secret);
    const updated = await call(`/api/v1/webhooks/endpoints/${id}`, {
      method: "PATCH",
      json: { enabled: false },
    });
    expect(updated.body.data.enabled).toBe(false);
    expect((await call(`/api/v1/webhooks/endpoints/${id}`, { method: "DELETE" })).status).toBe(204);
    expect((await call(`/api/v1/webhooks/endpoints/${id}`)).status).toBe(404);
  });

  it("refuses bad input with 400 naming the field", async () => {
    const ssrf = await call("/api/v1/webhooks/endpoints", {
      method: "POST",
      json: { url: "http://169.254.169.254/", eventTypes: ["*"] },
    });
    expect(ssrf.status).toBe(400);
    expect(Object.keys(ssrf.body.error.fields)).toEqual(["url"]);
    const pattern = await call("/api/v1/webhooks/endpoints", {
      method: "POST",
      json: { url: "https://a.example/", eventTypes: ["a.*.b"] },
    });
    expect(pattern.status).toBe(400);
    expect(Object.keys(pattern.body.error.fields)).toEqual(["eventTypes.0"]);
    const limits = await call("/api/v1/webhooks/endpoints", {
      method: "POST",
      json: { url: "https://a.example/", eventTypes: ["*"], maxConcurrency: 0, rateLimitPerSecond: 1.5 },
    });
    expect(limits.status).toBe(400);
    expect(Object.keys(limits.body.error.fields).sort()).toEqual(["maxConcurrency", "rateLimitPerSecond"]);
  });

  it("takes an endpoint's own concurrency and rate limits, and null for the hub's defaults", async () => {
    const created = await call("/api/v1/webhooks/endpoints", {
      method: "POST",
      json: { url: "https://limits.example/", eventTypes: ["*"], maxConcurrency: 3, rateLimitPerSecond: 25 },
    });
    expect(created.status).toBe(201);
    expect(created.body.data).toMatchObject({ maxConcurrency: 3, rateLimitPerSecond: 25 });
    const id = created.body.data.id;
    const changed = await call(`/api/v1/webhooks/endpoints/${id}`, {
      method: "PATCH",
      json: { maxConcurrency: null },
    });
    expect(changed.body.data).toMatchObject({ maxConcurrency: null, rateLimitPerSecond: 25 });
    const plain = await call("/api/v1/webhooks/endpoints", {
      method: "POST",
      json: { url: "https://plain.example/", eventTypes: ["*"] },
    });
    expect(plain.body.data).toMatchObject({ maxConcurrency: null, rateLimitPerSecond: null });
  });

  it("sends a test event, signed with both secrets during a rotation; lists its delivery and attempts; retries and replays", async () => {
    const receiver = await startReceiver((i) => (i === 0 ? 410 : 200));
    try {
      const created = await call("/api/v1/webhooks/endpoints", {
        method: "POST",
        json: { url: receiver.url, eventTypes: ["webhook.test"] },
      });
      const id = created.body.data.id;
      const rotated = await call(`/api/v1/webhooks/endpoints/${id}/rotate-secret`, { method: "POST" });
      const sent = await call(`/api/v1/webhooks/endpoints/${id}/test`, { method: "POST" });
      expect(sent.status).toBe(202);
      const { eventId, deliveryId } = sent.body.data;
      // 410 Gone fails the delivery at once and disables the endpoint until the tenant enables it.
      await vi.waitFor(async () =>
        expect((await call(`/api/v1/webhooks/deliveries?eventId=${eventId}`)).body.data[0]?.status).toBe(
          "failed",
        ),
      );
      const disabled = (await call(`/api/v1/webhooks/endpoints/${id}`)).body.data;
      expect(disabled).toMatchObject({ enabled: false, disabledReason: "the endpoint answered 410 Gone" });
      const enabled = await call(`/api/v1/webhooks/endpoints/${id}`, {
        method: "PATCH",
        json: { enabled: true },
      });
      expect(enabled.body.data).toMatchObject({ enabled: true, disabledReason: null });
      const [request] = receiver.of(eventId);
      const headers = request?.headers as Record<string, string>;
      expect(headers["webhook-signature"]?.split(" ")).toHaveLength(2);
      for (const secret of [created.body.data.secret, rotated.body.data.secret]) {
        expect(new Webhook(secret).verify(request?.body ?? "", headers)).toMatchObject({
          id: eventId,
          type: "webhook.test",
        });
      }
      const since = new Date(Date.now() - 60_000).toISOString();
      const replayed = await call(`/api/v1/webhooks/endpoints/${id}/replay`, {
        method: "POST",
        json: { since },
      });
      expect(replayed.body.data).toEqual({ requeued: 1 });
      await vi.waitFor(async () =>
        expect(
          (await call(`/api/v1/webhooks/deliveries?endpointId=${id}&status=succeeded`)).body.data,
        ).toHaveLength(1),
      );
      const attempts = await call(`/api/v1/webhooks/deliveries/${deliveryId}/attempts`);
      expect(attempts.body.data.map((a: { statusCode: number }) => a.statusCode)).toEqual([410, 200]);
      expect((await call(`/api/v1/webhooks/deliveries/${deliveryId}/retry`, { method: "POST" })).status).toBe(
        409,
      );
      expect(receiver.of(eventId)).toHaveLength(2);
      const metrics = await (await hub.request("/metrics")).text();
      expect(metrics).toMatch(/switchboard_queue_jobs\{queue="webhook-delivery",state="waiting"\} \d+/);
      expect(metrics).toMatch(/switchboard_webhook_delivery_latency_seconds_count 1/);
    } finally {
      await receiver.close();
    }
  });
});
