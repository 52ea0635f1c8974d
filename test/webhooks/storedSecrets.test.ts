import { eq } from "drizzle-orm";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { tenantWebhookSecrets, webhookEndpoints } from "../../src/db/schema/index.js";
import type { Keyring } from "../../src/secrets/keyring.js";
import { createEndpoint, rotateEndpointSecret } from "../../src/webhooks/endpoints.js";
import { sealWebhookSecrets } from "../../src/webhooks/sealStoredSecrets.js";
import { readSecret, secretRows } from "../../src/webhooks/storedSecrets.js";
import { tenantWebhookSecret } from "../../src/webhooks/tenantSecret.js";
import { bearer, createTestHub, type TestHub } from "../support/testHub.js";
import { startReceiver } from "./receiver.js";
import { startDeliveryWorkers } from "./support.js";

let hub: TestHub;
let workers: ReturnType<typeof startDeliveryWorkers>;
let key: string;
let tenantId: string;
let keys: Keyring;
beforeAll(async () => {
  hub = await createTestHub({ WEBHOOK_ALLOWED_NETWORKS: "127.0.0.0/8", WEBHOOK_RETRY_DELAYS_MS: "3600000" });
  workers = startDeliveryWorkers(hub);
  ({ key, tenantId } = await hub.createTenantWithKey("sealed-hooks", ["webhooks:read", "webhooks:write"]));
  const configured = hub.config.channels.secretKeys;
  if (!configured) throw new Error("the test hub has no CHANNEL_SECRET_KEYS");
  keys = configured;
});
afterAll(async () => {
  await workers?.close();
  await hub?.close();
});

async function call(path: string, method = "GET", json?: unknown) {
  const res = await hub.request(path, {
    method,
    headers: { ...bearer(key), ...(json ? { "content-type": "application/json" } : {}) },
    body: json ? JSON.stringify(json) : null,
  });
  // biome-ignore lint/suspicious/noExplicitAny: the tests read answers as the documented JSON
  return { status: res.status, body: (await res.json()) as { data: any } };
}

async function storedEndpoint(id: string) {
  const [row] = await hub.db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id));
  if (!row) throw new Error(`no endpoint ${id}`);
  return row;
}

describe("webhook secrets at rest", () => {
  it("stores an endpoint's secrets sealed and signs with them as the tenant was shown them", async () => {
    const receiver = await startReceiver(() => 200);
    try {
      const created = await call("/api/v1/webhooks/endpoints", "POST", {
        url: receiver.url,
        eventTypes: ["webhook.test"],
      });
      expect(created.status).toBe(201);
      const { id, secret: first } = created.body.data as { id: string; secret: string };
      const stored = await storedEndpoint(id);
      expect(stored.secret).toMatch(/^v1\./);
      expect(stored.secret).not.toContain(first.slice("whsec_".length));

      const rotated = await call(`/api/v1/webhooks/endpoints/${id}/rotate-secret`, "POST");
      const second = rotated.body.data.secret as string;
      const afterRotation = await storedEndpoint(id);
      // The current secret's seal moved to previous as it was; the new one is sealed too.
      expect(afterRotation.previousSecret).toBe(stored.secret);
      expect(afterRotation.secret).toMatch(/^v1\./);
      expect(afterRotation.secret).not.toContain(second.slice("whsec_".length));

      const sent = await call(`/api/v1/webhooks/endpoints/${id}/test`, "POST");
      const { eventId } = sent.body.data as { eventId: string };
      await vi.waitFor(() => expect(receiver.of(eventId)).toHaveLength(1));
      const [request] = receiver.of(eventId);
      const headers = request?.headers as Record<string, string>;
      for (const secret of [first, second])
        expect(new Webhook(secret).verify(request?.body ?? "", headers)).toMatchObject({ id: eventId });
    } finally {
      await receiver.close();
    }
  });

  it("stores the tenant's ticket secret sealed and answers it in clear, the same each time", async () => {
    const first = await call("/api/v1/webhooks/ticket-secret");
    expect(first.status).toBe(200);
    expect(first.body.data.secret).toMatch(/^whsec_/);
    expect((await call("/api/v1/webhooks/ticket-secret")).body.data.secret).toBe(first.body.data.secret);
    const [row] = await hub.db
      .select()
      .from(tenantWebhookSecrets)
      .where(eq(tenantWebhookSecrets.tenantId, tenantId));
    expect(row?.secret).toMatch(/^v1\./);
    expect(row?.secret).not.toContain(first.body.data.secret.slice("whsec_".length));
  });

  it("seals the secrets stored in clear (before sealing, or by a hub without keys) once, keeping their values", async () => {
    const { tenantId: other } = await hub.createTenantWithKey("clear-hooks", ["webhooks:read"]);
    const created = await createEndpoint(hub.db, hub.config.webhooks, undefined, other, {
      url: "https://clear.example/hook",
      eventTypes: ["*"],
    });
    if (!created.ok) throw new Error(created.reason);
    const rotated = await rotateEndpointSecret(hub.db, undefined, other, created.endpoint.id, 60_000);
    const ticketSecret = await tenantWebhookSecret(hub.db, undefined, other);
    const inClear = await storedEndpoint(created.endpoint.id);
    expect([inClear.secret, inClear.previousSecret]).toEqual([rotated?.secret, created.secret]);

    expect(await sealWebhookSecrets(hub.db, keys)).toEqual({ resealed: 2, unreadable: 0 });
    const row = secretRows.endpoint(other, created.endpoint.id);
    const sealed = await storedEndpoint(created.endpoint.id);
    expect(sealed.secret).toMatch(/^v1\./);
    expect(sealed.previousSecret).toMatch(/^v1\./);
    expect(readSecret(keys, sealed.secret, row)).toBe(rotated?.secret);
    expect(readSecret(keys, sealed.previousSecret ?? "", row)).toBe(created.secret);
    expect(await tenantWebhookSecret(hub.db, keys, other)).toBe(ticketSecret);
    expect(await sealWebhookSecrets(hub.db, keys)).toEqual({ resealed: 0, unreadable: 0 });
  });

  it("does not sign with a seal copied from another endpoint's row: the attempt fails, saying why, and is retried", async () => {
    const receiver = await startReceiver(() => 200);
    try {
      const source = await call("/api/v1/webhooks/endpoints", "POST", {
        url: "https://source.example/hook",
        eventTypes: ["webhook.test"],
      });
      const target = await call("/api/v1/webhooks/endpoints", "POST", {
        url: receiver.url,
        eventTypes: ["webhook.test"],
      });
      const id = target.body.data.id as string;
      await hub.db
        .update(webhookEndpoints)
        .set({ secret: (await storedEndpoint(source.body.data.id)).secret })
        .where(eq(webhookEndpoints.id, id));
      const sent = await call(`/api/v1/webhooks/endpoints/${id}/test`, "POST");
      const { eventId, deliveryId } = sent.body.data as { eventId: string; deliveryId: string };
      await vi.waitFor(async () =>
        expect((await call(`/api/v1/webhooks/deliveries/${deliveryId}/attempts`)).body.data).toHaveLength(1),
      );
      const [attempt] = (await call(`/api/v1/webhooks/deliveries/${deliveryId}/attempts`)).body.data;
      expect(attempt.error).toMatch(/signing secret cannot be opened/);
      const [delivery] = (await call(`/api/v1/webhooks/deliveries?eventId=${eventId}`)).body.data;
      expect(delivery).toMatchObject({ status: "pending", attemptCount: 1 });
      expect(receiver.of(eventId)).toEqual([]);
    } finally {
      await receiver.close();
    }
  });
});
