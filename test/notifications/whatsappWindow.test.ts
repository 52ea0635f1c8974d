import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { channelAccountReader } from "../../src/channelAccounts/service.js";
import { accountSenderSource } from "../../src/notifications/senderSource.js";
import { senderDeps } from "../connectors/senderDeps.js";
import {
  cloudAccount,
  cloudBody,
  cloudText,
  messagesChange,
  postCloud,
  saveCloudAccount,
} from "../inbound/whatsappSupport.js";
import { startGraphFake } from "../support/fakes/graphApi.js";
import { bearer, createTestHub, type TestHub } from "../support/testHub.js";
import {
  getNotification,
  loadDefaults,
  newCustomer,
  postNotification,
  startNotificationWorkers,
} from "./support.js";

let hub: TestHub;
let tenant: { key: string; tenantId: string };
let graph: Awaited<ReturnType<typeof startGraphFake>>;
let workers: ReturnType<typeof startNotificationWorkers>;
let senders: ReturnType<typeof accountSenderSource>;

beforeAll(async () => {
  graph = await startGraphFake(cloudAccount);
  hub = await createTestHub();
  await loadDefaults(hub);
  tenant = await hub.createTenantWithKey("wa-window-bank", ["omni:read", "omni:write", "admin"]);
  await saveCloudAccount(hub, tenant.tenantId, graph);
  senders = accountSenderSource({
    accounts: channelAccountReader(hub.db, hub.config.channels.secretKeys),
    senderDeps: senderDeps({ publicBaseUrl: "https://hub.bank.example" }),
  });
  workers = startNotificationWorkers(hub, senders);
  // The bank's own template: free text, and the approved WhatsApp template for outside the window.
  const template = await hub.request("/api/v1/admin/templates", {
    method: "POST",
    headers: { ...bearer(tenant.key), "content-type": "application/json" },
    body: JSON.stringify({
      code: "CARD_BLOCKED",
      variables: [
        { name: "cardLastFour", required: true },
        { name: "customerName", required: false },
      ],
      variants: [
        {
          channel: "whatsapp",
          locale: "id",
          fields: {
            text: "Kartu *{{ cardLastFour }} diblokir.",
            template: "card_blocked",
            parameters: "{{ customerName | default: 'Nasabah' }}\n{{ cardLastFour }}",
          },
        },
        {
          channel: "in_app",
          locale: "id",
          fields: { title: "Kartu diblokir", body: "Kartu {{ cardLastFour }}" },
        },
      ],
    }),
  });
  if (template.status !== 201) throw new Error(`template: ${template.status} ${await template.text()}`);
});
afterAll(async () => {
  await workers?.close();
  await senders?.close();
  await hub?.close();
  await graph?.close();
});

/** The customer writing to the bank's number at `at`, as Meta posts it to the hub (signed). */
async function customerWrote(phone: string, at: Date) {
  const body = cloudBody([messagesChange([cloudText(phone.replace("+", ""), "halo", at)])]);
  expect((await postCloud({ hub }, tenant.tenantId, body)).status).toBe(200);
}

async function notify(phone: string, templateCode: string, templateData: Record<string, unknown>) {
  const customer = await newCustomer(hub, tenant.tenantId, { phone, language: "id" });
  const created = await postNotification(hub, tenant.key, {
    recipientId: customer,
    channels: ["whatsapp"],
    templateCode,
    templateData,
  });
  expect(created.status).toBe(201);
  let settled = await getNotification(hub, tenant.key, created.body.data.id);
  await vi.waitFor(
    async () => {
      settled = await getNotification(hub, tenant.key, created.body.data.id);
      expect(settled.deliveries.every((d) => d.status !== "pending")).toBe(true);
    },
    { timeout: 15_000, interval: 100 },
  );
  return settled;
}

const sentTo = (phone: string) => graph.messages.filter((m) => m.body.to === phone.replace("+", ""));

describe("WhatsApp's 24-hour window (Cloud API)", () => {
  it("sends free text to a customer who wrote within 24 hours", async () => {
    const phone = "+6281311110001";
    await customerWrote(phone, new Date(Date.now() - 3600_000));
    const n = await notify(phone, "CARD_BLOCKED", { cardLastFour: "1234" });
    expect(n.deliveries[0]).toMatchObject({ status: "sent" });
    expect(sentTo(phone).map((m) => m.body)).toEqual([
      expect.objectContaining({ type: "text", text: { body: "Kartu *1234 diblokir.", preview_url: false } }),
    ]);
  });

  it("sends the approved template, with its parameters in order, to a customer who last wrote 25 hours ago", async () => {
    const phone = "+6281311110002";
    await customerWrote(phone, new Date(Date.now() - 25 * 3600_000));
    const n = await notify(phone, "CARD_BLOCKED", { cardLastFour: "5678", customerName: "Budi\nSantoso" });
    expect(n.deliveries[0]).toMatchObject({ status: "sent" });
    expect(sentTo(phone).map((m) => m.body)).toEqual([
      expect.objectContaining({
        type: "template",
        template: {
          name: "card_blocked",
          language: { code: "id" },
          // A value's line break cannot split a parameter in two: it becomes a space.
          components: [
            {
              type: "body",
              parameters: [
                { type: "text", text: "Budi Santoso" },
                { type: "text", text: "5678" },
              ],
            },
          ],
        },
      }),
    ]);
  });

  it("fails a delivery whose template has no approved one for a customer who never wrote, and falls back", async () => {
    const fallback = await hub.adminRequest(
      `/api/admin/tenants/${tenant.tenantId}/notification-fallbacks/whatsapp`,
      { method: "PUT", json: { toChannel: "in_app" } },
    );
    expect(fallback.status).toBe(201);
    const phone = "+6281311110003";
    const n = await notify(phone, "TICKET_CREATED", { ticketNumber: "10042" });
    const whatsapp = n.deliveries.find((d) => d.channel === "whatsapp");
    expect(whatsapp).toMatchObject({ status: "failed" });
    expect(whatsapp?.reason).toMatch(/outside WhatsApp's 24-hour window/);
    expect(sentTo(phone)).toEqual([]);
    await vi.waitFor(
      async () => {
        const again = await getNotification(hub, tenant.key, n.id);
        expect(again.deliveries.find((d) => d.channel === "in_app")).toMatchObject({
          status: "sent",
          fallbackFrom: whatsapp?.id,
        });
      },
      { timeout: 15_000, interval: 100 },
    );
  });
});
