import { randomBytes } from "node:crypto";
import twilio from "twilio";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { docExamples } from "../support/serviceDesk.js";
import { type InboundHub, inboundHub } from "./support.js";

let t: InboundHub;

beforeAll(async () => {
  t = await inboundHub();
});

afterAll(async () => {
  await t.close();
});

const messageSid = () => `SM${randomBytes(16).toString("hex")}`;

/** An incoming SMS's parameters, as Twilio posts them. */
function sms(from: string, body: string, extra: Record<string, string> = {}) {
  return {
    MessageSid: messageSid(),
    AccountSid: t.twilioApi.accountSid,
    From: from,
    To: "+14155550100",
    Body: body,
    NumMedia: "0",
    ...extra,
  };
}

describe("SMS (Twilio): a customer's texts become a ticket", () => {
  it("a first text opens a ticket on the customer the service desk already knows by that phone number", async () => {
    const { tenantId, key } = await t.tenantWithSms("sms-known");
    // The service desk met Jane before, through the tenant's partner API, with her phone number.
    const viaDesk = await t.hub.request("/api/omnichannel/tickets", {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ ...docExamples.ticket, integration: undefined }),
    });
    expect(viaDesk.status).toBe(201);
    const known = (await t.desk(key).get("/api/v1/desk/tickets")).body.data[0];

    const text = sms("+628123456789", "Saya tidak bisa login m-banking sejak kemarin");
    const res = await t.postSms(tenantId, text);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/xml/);
    expect(await res.text()).toContain("<Response></Response>");
    expect(await t.routedSms(tenantId, text.MessageSid)).toEqual({
      status: "routed",
      outcomes: ["ticket_created"],
    });

    const tickets = (await t.desk(key).get("/api/v1/desk/tickets?channel=SMS")).body.data;
    expect(tickets).toHaveLength(1);
    expect(tickets[0]).toMatchObject({ serviceType: "MOBILE_BANKING", customerId: known.customerId });
    const ack = await t.twilioApi.waitForMessage((m) => m.To === "+628123456789");
    expect(ack.Body).toBe(
      `Permintaan Anda diterima dengan nomor tiket ${tickets[0].ticketNumber}. Kami akan terus mengabari Anda.`,
    );
    expect(ack.From).toBe("+14155550100");
  });

  it("a second text joins the ticket; a redelivered one changes nothing; an agent's reply goes back by SMS", async () => {
    const { tenantId, key } = await t.tenantWithSms("sms-thread");
    const from = "+6281298765432";
    const first = sms(from, "Halo, mau tanya cara aktivasi kartu");
    expect((await t.postSms(tenantId, first)).status).toBe(200);
    await t.routedSms(tenantId, first.MessageSid);
    const second = sms(from, "Kartunya baru saya terima hari ini");
    expect((await t.postSms(tenantId, second)).status).toBe(200);
    expect(await t.routedSms(tenantId, second.MessageSid)).toEqual({
      status: "routed",
      outcomes: ["comment_added"],
    });
    expect((await t.postSms(tenantId, second)).status).toBe(200);

    expect(await t.storedMessages(tenantId)).toHaveLength(2);
    const tickets = (await t.desk(key).get("/api/v1/desk/tickets?channel=SMS")).body.data;
    expect(tickets).toHaveLength(1);
    const detail = (await t.desk(key).get(`/api/v1/desk/tickets/${tickets[0].ticketNumber}`)).body.data;
    expect(detail.comments.map((c: { content: string }) => c.content)).toEqual([
      "Kartunya baru saya terima hari ini",
    ]);

    await t.desk(key).post(`/api/v1/desk/tickets/${tickets[0].ticketNumber}/replies`, {
      content: "Silakan aktivasi lewat ATM dengan PIN awal dari amplop kartu.",
      authorId: "usr_dewi",
    });
    await t.relay();
    const reply = await t.twilioApi.waitForMessage(
      (m) => m.To === from && String(m.Body).startsWith("Silakan aktivasi"),
    );
    expect(reply.StatusCallback).toBe(
      `${t.hub.config.channels.publicBaseUrl}/api/webhooks/sms/${tenantId}/status`,
    );
    const deliveryOf = async () => {
      const after = (await t.desk(key).get(`/api/v1/desk/tickets/${tickets[0].ticketNumber}`)).body.data;
      return after.comments.at(-1)?.delivery?.status;
    };
    await expect.poll(deliveryOf).toBe("sent");

    // Twilio's signed status callback (the SMS connector's route) moves the reply on the desk.
    const callback = {
      MessageSid: String(reply.Sid),
      MessageStatus: "delivered",
      AccountSid: t.twilioApi.accountSid,
    };
    const status = await t.hub.request(`/api/webhooks/sms/${tenantId}/status`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        "x-twilio-signature": twilio.getExpectedTwilioSignature(
          t.twilioApi.authToken,
          String(reply.StatusCallback),
          callback,
        ),
      },
      body: new URLSearchParams(callback).toString(),
    });
    expect(status.status).toBe(204);
    expect(await deliveryOf()).toBe("delivered");
  });

  it("a message id whose hex holds a card-like digit run is stored masked and still routed once", async () => {
    const { tenantId, key } = await t.tenantWithSms("sms-luhn-sid");
    // A Twilio SID is 32 hex characters: about 1 in 100 holds 13-19 digits in a row that pass the
    // Luhn check (here 4111 1111 1111 1111), which the hub masks before storing the id.
    const text = sms("+6281277778888", "Mohon bantuan reset PIN", {
      MessageSid: "SM4111111111111111abcdefabcdefabcd",
    });
    expect((await t.postSms(tenantId, text)).status).toBe(200);
    expect(await t.routedSms(tenantId, text.MessageSid)).toEqual({
      status: "routed",
      outcomes: ["ticket_created"],
    });
    expect((await t.postSms(tenantId, text)).status).toBe(200);
    const stored = await t.storedMessages(tenantId);
    expect(stored).toHaveLength(1);
    expect(JSON.stringify(stored)).not.toContain("4111111111111111");
    expect((await t.desk(key).get("/api/v1/desk/tickets?channel=SMS")).body.data).toHaveLength(1);
  });

  it("a reply to a number that sent STOP fails with Twilio's reason", async () => {
    const { tenantId, key } = await t.tenantWithSms("sms-stop");
    // This number passes the Luhn check: as an address it is kept as sent, never masked.
    const from = "+6281211112222";
    const first = sms(from, "Info promo kartu kredit");
    await t.postSms(tenantId, first);
    await t.routedSms(tenantId, first.MessageSid);
    expect((await t.twilioApi.waitForMessage((m) => m.To === from)).Body).toMatch(/nomor tiket/);
    t.twilioApi.unsubscribe(from);
    const ticket = (await t.desk(key).get("/api/v1/desk/tickets?channel=SMS")).body.data[0];
    await t.desk(key).post(`/api/v1/desk/tickets/${ticket.ticketNumber}/replies`, {
      content: "Promo berlaku sampai akhir bulan.",
      authorId: "usr_dewi",
    });
    await t.relay();
    await expect
      .poll(async () => {
        const after = (await t.desk(key).get(`/api/v1/desk/tickets/${ticket.ticketNumber}`)).body.data;
        return after.comments.at(-1)?.delivery;
      })
      .toMatchObject({ channel: "SMS", status: "failed", error: expect.stringContaining("21610") });
  });

  it("an MMS's picture is fetched from Twilio with the account's credentials and kept on the ticket", async () => {
    const { tenantId, key } = await t.tenantWithSms("sms-mms");
    const png = Buffer.from(
      "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
      "base64",
    );
    const url = t.twilioApi.addMedia(png, "image/png");
    const text = sms("+6281233334444", "Ini bukti transfernya", {
      NumMedia: "1",
      MediaUrl0: url,
      MediaContentType0: "image/png",
    });
    await t.postSms(tenantId, text);
    await t.routedSms(tenantId, text.MessageSid);
    const ticket = (await t.desk(key).get("/api/v1/desk/tickets?channel=SMS")).body.data[0];
    const detail = (await t.desk(key).get(`/api/v1/desk/tickets/${ticket.ticketNumber}`)).body.data;
    expect(detail.attachments).toMatchObject([{ mimeType: "image/png", size: png.byteLength }]);
  });
});

describe("SMS claims", () => {
  it("a claim by SMS asks for the name, which an SMS does not carry, and files the claim", async () => {
    const { tenantId, key } = await t.tenantWithSms("sms-claim");
    const from = "+6281255556666";
    const answers = [
      "Saldo terpotong tapi transfer gagal",
      "SMS",
      "TRANSFER",
      "250000",
      "hari ini",
      "lewati",
      "Siti Aminah",
      "ya",
    ];
    let replies = 0;
    for (const answer of answers) {
      const text = sms(from, answer);
      await t.postSms(tenantId, text);
      await t.routedSms(tenantId, text.MessageSid);
      replies++;
      await expect.poll(() => t.twilioApi.messages.filter((m) => m.To === from).length).toBe(replies);
    }
    const sent = t.twilioApi.messages.filter((m) => m.To === from).map((m) => String(m.Body));
    expect(sent[5]).toMatch(/atas nama siapa/);
    // The tenant's CLAIM_RECEIVED template (here the default) for SMS, with the amount.
    const number = /^Klaim (\d+) diterima \(Rp\s250\.000\)/.exec(sent.at(-1) ?? "")?.[1];
    const detail = (await t.desk(key).get(`/api/v1/desk/tickets/${number}`)).body.data;
    expect(detail).toMatchObject({
      channel: "SMS",
      claim: {
        namaNasabah: "Siti Aminah",
        mediaTransaksi: "SMS",
        jenisTransaksi: "TRANSFER",
        nominal: 250_000,
      },
    });
  });
});

describe("SMS webhook security", () => {
  it("a bad signature is a 403 and nothing is stored", async () => {
    const { tenantId } = await t.tenantWithSms("sms-forged");
    const forged = await t.postSms(
      tenantId,
      sms("+6281200000000", "halo"),
      "not-the-auth-token-0000000000000",
    );
    expect(forged.status).toBe(403);
    const unsigned = await t.hub.request(`/api/webhooks/sms/${tenantId}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(sms("+6281200000000", "halo")).toString(),
    });
    expect(unsigned.status).toBe(403);
    // Signed for other parameters than those sent: Twilio's signature covers every parameter.
    const params = sms("+6281200000000", "halo");
    const signedRes = await t.postSms(tenantId, params);
    expect(signedRes.status).toBe(200);
    const tampered = await t.hub.request(`/api/webhooks/sms/${tenantId}`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        "x-twilio-signature": "abc",
      },
      body: new URLSearchParams({ ...params, Body: "transfer semua saldo" }).toString(),
    });
    expect(tampered.status).toBe(403);
    expect((await t.storedMessages(tenantId)).map((m) => m.text)).toEqual(["halo"]);
  });

  it("a signed form that does not fit is a 400 naming the field, and nothing is stored", async () => {
    const { tenantId } = await t.tenantWithSms("sms-unfit");
    const { From: _from, ...withoutFrom } = sms("+6281200000002", "halo");
    const res = await t.postSms(tenantId, withoutFrom);
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toContain("From");
    const badSid = await t.postSms(tenantId, sms("+6281200000002", "halo", { MessageSid: "SMnothex" }));
    expect(badSid.status).toBe(400);
    expect(JSON.stringify(await badSid.json())).toContain("MessageSid");
    // A repeated parameter reaches the schema as a list, as Hono's own form parsing gives it.
    const twice = `${new URLSearchParams(sms("+6281200000002", "halo")).toString()}&From=%2B6281200000003`;
    const url = `${t.hub.config.channels.publicBaseUrl}/api/webhooks/sms/${tenantId}`;
    const repeated = await t.hub.request(`/api/webhooks/sms/${tenantId}`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        "x-twilio-signature": twilio.getExpectedTwilioSignature(t.twilioApi.authToken, url, {
          ...Object.fromEntries(new URLSearchParams(twice)),
          From: ["+6281200000002", "+6281200000003"],
        } as unknown as Record<string, string>),
      },
      body: twice,
    });
    expect(repeated.status).toBe(400);
    expect(JSON.stringify(await repeated.json())).toContain("From");
    expect(await t.storedMessages(tenantId)).toHaveLength(0);
  });

  it("a tenant without an SMS account is a 403", async () => {
    const { tenantId } = await t.tenantWithTelegram("sms-none");
    expect((await t.postSms(tenantId, sms("+6281200000001", "halo"))).status).toBe(403);
    expect(await t.storedMessages(tenantId)).toHaveLength(0);
  });
});
