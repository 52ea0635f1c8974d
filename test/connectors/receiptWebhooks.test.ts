import { createHmac } from "node:crypto";
import twilio from "twilio";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGraphFake } from "../support/fakes/graphApi.js";
import { recordingReceipts } from "../support/fakes/recordingReceipts.js";
import { startTwilioFake } from "../support/fakes/twilioApi.js";
import { createTestHub, type TestHub } from "../support/testHub.js";

const publicBaseUrl = "https://hub.bank.example";
const twilioAccount = { accountSid: `AC${"d4".repeat(16)}`, authToken: "7".repeat(32) };
const graphAccount = {
  version: "v21.0",
  phoneNumberId: "106540352242922",
  accessToken: "EAAG-test-access-token-0123456789",
};
const appSecret = "0123456789abcdef0123456789abcdef";
const receipts = recordingReceipts();
let hub: TestHub;
let tenantId: string;
let twilioFake: Awaited<ReturnType<typeof startTwilioFake>>;
let graph: Awaited<ReturnType<typeof startGraphFake>>;

beforeAll(async () => {
  twilioFake = await startTwilioFake(twilioAccount);
  graph = await startGraphFake(graphAccount);
  hub = await createTestHub({ PUBLIC_BASE_URL: publicBaseUrl }, undefined, { receipts });
  tenantId = (await hub.createTenantWithKey("receipts-bank", ["omni:read"])).tenantId;
  const sms = await hub.adminRequest(`/api/admin/tenants/${tenantId}/channels/sms`, {
    method: "PUT",
    json: {
      provider: "twilio",
      settings: { ...twilioAccount, from: "+14155550100", apiBaseUrl: twilioFake.url },
    },
  });
  const whatsapp = await hub.adminRequest(`/api/admin/tenants/${tenantId}/channels/whatsapp`, {
    method: "PUT",
    json: {
      provider: "cloud",
      settings: {
        phoneNumberId: graphAccount.phoneNumberId,
        accessToken: graphAccount.accessToken,
        appSecret,
        verifyToken: "verify-token-abc",
        graphBaseUrl: `${graph.url}/v21.0`,
      },
    },
  });
  if (sms.status !== 201 || whatsapp.status !== 201)
    throw new Error(`accounts: ${sms.status} ${whatsapp.status}`);
});
afterAll(async () => {
  await hub?.close();
  await Promise.all([twilioFake?.close(), graph?.close()]);
});

const recordedSince = (n: number) => receipts.recorded.slice(n);

describe("Twilio status callback: /api/webhooks/sms/{tenantId}/status", () => {
  const path = () => `/api/webhooks/sms/${tenantId}/status`;
  const post = (params: Record<string, string>, signature: string | undefined) =>
    hub.request(path(), {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        ...(signature !== undefined ? { "x-twilio-signature": signature } : {}),
      },
      body: new URLSearchParams(params).toString(),
    });
  const signed = (params: Record<string, string>) =>
    post(
      params,
      twilio.getExpectedTwilioSignature(twilioAccount.authToken, `${publicBaseUrl}${path()}`, params),
    );
  const sid = `SM${"e5".repeat(16)}`;

  it("records a delivered and a failed message as receipts, signed as Twilio signs the public URL", async () => {
    const before = receipts.recorded.length;
    const delivered = await signed({
      MessageSid: sid,
      MessageStatus: "delivered",
      AccountSid: twilioAccount.accountSid,
      To: "+6281234567890",
    });
    expect(delivered.status).toBe(204);
    const failed = await signed({ MessageSid: sid, MessageStatus: "undelivered", ErrorCode: "30005" });
    expect(failed.status).toBe(204);
    expect(recordedSince(before)).toEqual([
      {
        tenantId,
        receipt: { channel: "sms", providerMessageId: sid, status: "delivered", at: expect.any(Date) },
      },
      {
        tenantId,
        receipt: {
          channel: "sms",
          providerMessageId: sid,
          status: "failed",
          reason: "twilio 30005",
          at: expect.any(Date),
        },
      },
    ]);
  });

  it("a bad or missing signature, or one over other parameters, is a 403 and records nothing", async () => {
    const before = receipts.recorded.length;
    const params = { MessageSid: sid, MessageStatus: "delivered" };
    const signature = twilio.getExpectedTwilioSignature(
      twilioAccount.authToken,
      `${publicBaseUrl}${path()}`,
      params,
    );
    expect((await post(params, undefined)).status).toBe(403);
    expect((await post(params, "bm90IGEgc2lnbmF0dXJl")).status).toBe(403);
    expect((await post({ ...params, MessageStatus: "failed" }, signature)).status).toBe(403);
    const otherToken = twilio.getExpectedTwilioSignature("8".repeat(32), `${publicBaseUrl}${path()}`, params);
    expect((await post(params, otherToken)).status).toBe(403);
    expect(recordedSince(before)).toEqual([]);
  });

  it("steps before 'sent' and statuses Twilio may add are not receipts; a tenant without SMS is 404", async () => {
    const before = receipts.recorded.length;
    expect((await signed({ MessageSid: sid, MessageStatus: "queued" })).status).toBe(204);
    expect((await signed({ MessageSid: sid, MessageStatus: "teleported" })).status).toBe(204);
    expect(recordedSince(before)).toEqual([]);
    const bad = await signed({ MessageSid: "nope", MessageStatus: "delivered" });
    expect(bad.status).toBe(400);
    const nobody = await hub.request("/api/webhooks/sms/ten_nobody/status", { method: "POST" });
    expect(nobody.status).toBe(404);
  });
});

describe("WhatsApp Cloud API webhook: /api/webhooks/whatsapp/{tenantId}", () => {
  const path = () => `/api/webhooks/whatsapp/${tenantId}`;
  const sign = (raw: string, secret = appSecret) =>
    `sha256=${createHmac("sha256", secret).update(raw).digest("hex")}`;
  const post = (raw: string, signature: string | undefined) =>
    hub.request(path(), {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(signature ? { "x-hub-signature-256": signature } : {}),
      },
      body: raw,
    });
  const change = (phoneNumberId: string, statuses: unknown[]) => ({
    field: "messages",
    value: {
      messaging_product: "whatsapp",
      metadata: { display_phone_number: "15550100", phone_number_id: phoneNumberId },
      statuses,
    },
  });

  it("answers Meta's verification challenge only with the account's verify token", async () => {
    const query = (token: string) => `hub.mode=subscribe&hub.verify_token=${token}&hub.challenge=1158201444`;
    const ok = await hub.request(`${path()}?${query("verify-token-abc")}`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe("1158201444");
    expect((await hub.request(`${path()}?${query("guess")}`)).status).toBe(403);
  });

  it("turns every status of a batched, signed payload into receipts, for this account's number only", async () => {
    const before = receipts.recorded.length;
    // Spaced the way Meta sends it: the signature is over these bytes, not a re-serialisation.
    const raw = JSON.stringify(
      {
        object: "whatsapp_business_account",
        entry: [
          {
            id: "WABA1",
            changes: [
              change(graphAccount.phoneNumberId, [
                {
                  id: "wamid.A",
                  status: "delivered",
                  timestamp: "1767225600",
                  recipient_id: "6281234567890",
                },
                { id: "wamid.B", status: "read", timestamp: "1767225660", recipient_id: "6281234567890" },
              ]),
              change("999999999", [{ id: "wamid.other", status: "delivered", timestamp: "1767225600" }]),
            ],
          },
          {
            id: "WABA1",
            changes: [
              change(graphAccount.phoneNumberId, [
                {
                  id: "wamid.C",
                  status: "failed",
                  timestamp: "1767225700",
                  errors: [{ code: 131026, title: "Message undeliverable" }],
                },
                { id: "wamid.D", status: "deleted", timestamp: "1767225700" },
              ]),
            ],
          },
        ],
      },
      null,
      2,
    );
    const res = await post(raw, sign(raw));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ received: 3, stored: 0, duplicates: 0, skipped: 0 });
    expect(recordedSince(before)).toEqual([
      {
        tenantId,
        receipt: {
          channel: "whatsapp",
          providerMessageId: "wamid.A",
          status: "delivered",
          at: new Date(1767225600_000),
        },
      },
      {
        tenantId,
        receipt: {
          channel: "whatsapp",
          providerMessageId: "wamid.B",
          status: "read",
          at: new Date(1767225660_000),
        },
      },
      {
        tenantId,
        receipt: {
          channel: "whatsapp",
          providerMessageId: "wamid.C",
          status: "failed",
          reason: "whatsapp 131026: Message undeliverable",
          at: new Date(1767225700_000),
        },
      },
    ]);
  });

  it("a signature over other bytes, with another secret, or none is a 403 and records nothing", async () => {
    const before = receipts.recorded.length;
    const raw = JSON.stringify({
      object: "whatsapp_business_account",
      entry: [
        {
          changes: [
            change(graphAccount.phoneNumberId, [{ id: "wamid.X", status: "delivered", timestamp: "1" }]),
          ],
        },
      ],
    });
    expect((await post(raw, undefined)).status).toBe(403);
    expect((await post(raw, sign(raw, "another-app-secret-0123"))).status).toBe(403);
    expect((await post(raw, sign(JSON.stringify(JSON.parse(raw), null, 1)))).status).toBe(403);
    expect((await post("{not json", sign("{not json"))).status).toBe(400);
    expect(recordedSince(before)).toEqual([]);
  });
});
