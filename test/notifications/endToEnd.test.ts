import twilio from "twilio";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { DeliveryReceipt, ReceiptSink } from "../../connectors/contract.js";
import { channelAccountReader } from "../../src/channelAccounts/service.js";
import { accountSenderSource } from "../../src/notifications/senderSource.js";
import { senderDeps } from "../connectors/senderDeps.js";
import { cloudBody, cloudText, messagesChange, postCloud } from "../inbound/whatsappSupport.js";
import { startGraphFake } from "../support/fakes/graphApi.js";
import { startSmtpFake } from "../support/fakes/smtpServer.js";
import { startTwilioFake } from "../support/fakes/twilioApi.js";
import { createTestHub, type TestHub } from "../support/testHub.js";
import {
  getNotification,
  loadDefaults,
  newCustomer,
  postNotification,
  receiptSinkOf,
  startNotificationWorkers,
} from "./support.js";

const publicBaseUrl = "https://hub.bank.example";
const twilioAccount = { accountSid: `AC${"a1".repeat(16)}`, authToken: "9".repeat(32) };
const graphAccount = {
  version: "v21.0",
  phoneNumberId: "106540352242922",
  accessToken: "EAAG-test-access-token-0123456789",
};

let hub: TestHub;
let tenant: { key: string; tenantId: string };
let smtp: Awaited<ReturnType<typeof startSmtpFake>>;
let sms: Awaited<ReturnType<typeof startTwilioFake>>;
let graph: Awaited<ReturnType<typeof startGraphFake>>;
let workers: ReturnType<typeof startNotificationWorkers>;
let senders: ReturnType<typeof accountSenderSource>;
// The hub's receipt callbacks land on the pipeline's sink, made once the hub's database exists.
let sink: ReceiptSink | undefined;
const receipts: ReceiptSink = {
  record: (tenantId: string, r: DeliveryReceipt) => (sink as ReceiptSink).record(tenantId, r),
};

beforeAll(async () => {
  [smtp, sms, graph] = await Promise.all([
    startSmtpFake(),
    startTwilioFake(twilioAccount),
    startGraphFake(graphAccount),
  ]);
  hub = await createTestHub({ PUBLIC_BASE_URL: publicBaseUrl }, undefined, { receipts });
  sink = receiptSinkOf(hub);
  await loadDefaults(hub);
  tenant = await hub.createTenantWithKey("e2e-bank", ["omni:read", "omni:write"]);
  const accounts = {
    email: {
      provider: "smtp",
      settings: {
        host: smtp.host,
        port: smtp.port,
        secure: false,
        from: "Bank Sulutgo <noreply@bank.example>",
      },
    },
    sms: { provider: "twilio", settings: { ...twilioAccount, from: "+14155550100", apiBaseUrl: sms.url } },
    whatsapp: {
      provider: "cloud",
      settings: {
        phoneNumberId: graphAccount.phoneNumberId,
        accessToken: graphAccount.accessToken,
        appSecret: "0123456789abcdef0123456789abcdef",
        verifyToken: "verify-token-abc",
        graphBaseUrl: `${graph.url}/v21.0`,
      },
    },
  };
  for (const [channel, json] of Object.entries(accounts)) {
    const res = await hub.adminRequest(`/api/admin/tenants/${tenant.tenantId}/channels/${channel}`, {
      method: "PUT",
      json,
    });
    if (res.status !== 201) throw new Error(`${channel}: ${res.status} ${await res.text()}`);
  }
  senders = accountSenderSource({
    accounts: channelAccountReader(hub.db, hub.config.channels.secretKeys),
    senderDeps: senderDeps({ publicBaseUrl }),
  });
  workers = startNotificationWorkers(hub, senders);
});
afterAll(async () => {
  await workers?.close();
  await senders?.close();
  await hub?.close();
  await Promise.all([smtp?.close(), sms?.close(), graph?.close()]);
});

describe("a notification, end to end", () => {
  it("reaches each provider's wire through its real client library, and its status comes back", async () => {
    const customer = await newCustomer(hub, tenant.tenantId, {
      email: "budi@example.co.id",
      phone: "+6281234567890",
      language: "id-ID",
    });
    // Budi wrote to the bank's WhatsApp number an hour ago: its 24-hour window is open for free text.
    const wrote = cloudBody([
      messagesChange([cloudText("6281234567890", "halo", new Date(Date.now() - 3600_000))]),
    ]);
    expect((await postCloud({ hub }, tenant.tenantId, wrote)).status).toBe(200);
    const created = await postNotification(hub, tenant.key, {
      recipientId: customer,
      channels: ["email", "sms", "whatsapp", "in_app"],
      templateCode: "TICKET_CREATED",
      templateData: {
        ticketNumber: "10042",
        customerName: "Budi <Santoso>",
        trackingUrl: "https://bank.example/t/10042",
      },
    });
    expect(created.status).toBe(201);
    const id = created.body.data.id;
    await vi.waitFor(
      async () =>
        expect((await getNotification(hub, tenant.key, id)).deliveries.map((d) => d.status)).toEqual(
          Array(4).fill("sent"),
        ),
      { timeout: 15_000, interval: 100 },
    );
    const n = await getNotification(hub, tenant.key, id);
    const by = (channel: string) => n.deliveries.find((d) => d.channel === channel);

    // E-mail over SMTP (nodemailer → smtp-server): Indonesian, HTML escaped, Message-ID per delivery.
    const mail = smtp.received.find((m) => m.envelope.to.includes("budi@example.co.id"));
    expect(mail?.parsed.subject).toBe("Tiket 10042 diterima");
    expect(mail?.parsed.html).toContain("Yth. Budi &lt;Santoso&gt;,");
    expect(mail?.parsed.messageId).toBe(by("email")?.providerMessageId);
    // SMS through twilio's client against the fake Twilio API.
    const text = sms.messages.find((m) => m.to === "+6281234567890");
    expect(text?.body).toBe(
      "Permintaan Anda diterima dengan nomor tiket 10042. Kami akan terus mengabari Anda.",
    );
    expect(by("sms")?.providerMessageId).toBe(text?.sid);
    // WhatsApp through the Cloud API (Graph) fake.
    expect(graph.messages.map((m) => m.wamid)).toContain(by("whatsapp")?.providerMessageId);
    expect(by("in_app")).toMatchObject({ status: "sent", providerMessageId: by("in_app")?.id });

    // Twilio reports the SMS delivered on the signed status callback: the delivery follows.
    const path = `/api/webhooks/sms/${tenant.tenantId}/status`;
    const params = {
      MessageSid: text?.sid ?? "",
      MessageStatus: "delivered",
      AccountSid: twilioAccount.accountSid,
    };
    const callback = await hub.request(path, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        "x-twilio-signature": twilio.getExpectedTwilioSignature(
          twilioAccount.authToken,
          `${publicBaseUrl}${path}`,
          params,
        ),
      },
      body: new URLSearchParams(params).toString(),
    });
    expect(callback.status).toBe(204);
    const after = await getNotification(hub, tenant.key, id);
    expect(after.deliveries.find((d) => d.channel === "sms")?.status).toBe("delivered");
    expect(after.status).toBe("delivered");
  });

  it("a provider's permanent refusal fails the delivery at once: Twilio's invalid number", async () => {
    const customer = await newCustomer(hub, tenant.tenantId, { phone: "+15005550001" });
    const created = await postNotification(hub, tenant.key, {
      recipientId: customer,
      channels: ["sms"],
      templateCode: "OTP_CODE",
      templateData: { code: "123456", validMinutes: 5 },
    });
    await vi.waitFor(
      async () =>
        expect((await getNotification(hub, tenant.key, created.body.data.id)).deliveries[0]?.status).toBe(
          "failed",
        ),
      {
        timeout: 10_000,
      },
    );
    const delivery = (await getNotification(hub, tenant.key, created.body.data.id)).deliveries[0];
    expect(delivery?.attempts).toBe(1);
    expect(delivery?.reason).toMatch(/21211/);
  });

  it("reaches a user (staff) by e-mail at the work address the admin API saved, and skips one without", async () => {
    const users = `/api/admin/tenants/${tenant.tenantId}/users`;
    const saved = await hub.adminRequest(`${users}/usr_rm_001`, {
      method: "PUT",
      json: { name: "Rina Wulandari", role: "relationship_manager", email: "Rina.Wulandari@Bank.example" },
    });
    expect(saved.status).toBe(201);
    expect(((await saved.json()) as { data: { email: string } }).data.email).toBe(
      "rina.wulandari@bank.example",
    );
    const bad = await hub.adminRequest(`${users}/usr_rm_002`, {
      method: "PUT",
      json: { name: "Tono", role: "agent", email: "not-an-address" },
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain("email");
    expect(
      (
        await hub.adminRequest(`${users}/usr_rm_003`, {
          method: "PUT",
          json: { name: "Tono", role: "agent" },
        })
      ).status,
    ).toBe(201);

    const approval = { approvalType: "Credit limit increase", requesterName: "Ahmed" };
    const toRina = await postNotification(hub, tenant.key, {
      recipientId: "usr_rm_001",
      recipientType: "user",
      channels: ["email", "in_app"],
      templateCode: "APPROVAL_REQUESTED",
      templateData: approval,
    });
    const toTono = await postNotification(hub, tenant.key, {
      recipientId: "usr_rm_003",
      recipientType: "user",
      channels: ["email"],
      templateCode: "APPROVAL_REQUESTED",
      templateData: approval,
    });
    expect([toRina.status, toTono.status]).toEqual([201, 201]);
    await vi.waitFor(
      async () => {
        const rina = await getNotification(hub, tenant.key, toRina.body.data.id);
        expect(rina.deliveries.map((d) => [d.channel, d.status])).toEqual([
          ["email", "sent"],
          ["in_app", "sent"],
        ]);
        const tono = await getNotification(hub, tenant.key, toTono.body.data.id);
        expect(tono.deliveries.map((d) => [d.status, d.reason])).toEqual([
          ["skipped", "the recipient has no email address"],
        ]);
      },
      { timeout: 15_000, interval: 100 },
    );
    const mail = smtp.received.filter((m) => m.envelope.to.includes("rina.wulandari@bank.example"));
    expect(mail).toHaveLength(1);
    expect(mail[0]?.parsed.text).toContain("Credit limit increase");
  });
});
