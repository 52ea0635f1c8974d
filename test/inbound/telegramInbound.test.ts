import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { conversations, customerIdentities, customers } from "../../src/db/schema/index.js";
import { bearer } from "../support/testHub.js";
import { startReceiver } from "../webhooks/receiver.js";
import { type InboundHub, inboundHub, telegramMessage, textMessage, webhookSecret } from "./support.js";

let t: InboundHub;

beforeAll(async () => {
  t = await inboundHub({ WEBHOOK_ALLOWED_NETWORKS: "127.0.0.0/8" });
});

afterAll(async () => {
  await t.close();
});

describe("Telegram: a customer's messages become a ticket", () => {
  it("a first message opens a ticket for the sender, acknowledged with its number on the chat", async () => {
    const { tenantId, key } = await t.tenantWithTelegram("tg-first");
    const res = await t.postUpdate(
      tenantId,
      textMessage(700001, 1, "Tidak bisa login ke aplikasi sejak pagi"),
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, received: 1, stored: 1, duplicates: 0, unreadable: 0 });
    const summary = await t.routed(tenantId, 700001, 1);
    expect(summary).toEqual({ status: "routed", outcomes: ["ticket_created"] });

    const list = await t.desk(key).get("/api/v1/desk/tickets?channel=TELEGRAM");
    expect(list.body.data).toHaveLength(1);
    const ticket = list.body.data[0];
    expect(ticket.serviceType).toBe("MOBILE_BANKING");
    expect(ticket.channelReferenceId).toMatch(/^cnv_/);
    const detail = await t.desk(key).get(`/api/v1/desk/tickets/${ticket.ticketNumber}`);
    expect(detail.body.data.description).toBe("Tidak bisa login ke aplikasi sejak pagi");
    expect(detail.body.data.customer.name).toBe("Budi Santoso");
    // The chat id is the customer's Telegram identity (the customers module's identities).
    const identities = await t.hub.db
      .select({ kind: customerIdentities.kind, value: customerIdentities.value })
      .from(customerIdentities)
      .where(eq(customerIdentities.customerId, ticket.customerId));
    expect(identities).toEqual([{ kind: "telegram", value: "700001" }]);

    const ack = await t.bot.waitForSent((m) => m.chat_id === "700001");
    // The tenant's TICKET_CREATED template (here the default), in Telegram's HTML.
    expect(ack.parse_mode).toBe("HTML");
    expect(ack.text).toContain(`<b>Tiket ${ticket.ticketNumber} diterima</b>`);
    expect(ack.text).toContain(`nomor tiket ${ticket.ticketNumber}.`);
  });

  it("a second message on the chat joins the same ticket as the customer's comment", async () => {
    const { tenantId, key } = await t.tenantWithTelegram("tg-second");
    await t.postUpdate(tenantId, textMessage(700002, 1, "Halo, saya mau tanya informasi kartu"));
    await t.routed(tenantId, 700002, 1);
    await t.postUpdate(tenantId, textMessage(700002, 2, "Kartu saya yang lama sudah habis masa berlakunya"));
    expect(await t.routed(tenantId, 700002, 2)).toEqual({ status: "routed", outcomes: ["comment_added"] });

    const list = await t.desk(key).get("/api/v1/desk/tickets?channel=TELEGRAM");
    expect(list.body.data).toHaveLength(1);
    const detail = await t.desk(key).get(`/api/v1/desk/tickets/${list.body.data[0].ticketNumber}`);
    expect(detail.body.data.comments).toMatchObject([
      {
        content: "Kartu saya yang lama sudah habis masa berlakunya",
        authorType: "customer",
        author: "Budi Santoso",
        isFromSupport: false,
      },
    ]);
  });

  it("a redelivered update stores nothing and changes nothing", async () => {
    const { tenantId, key } = await t.tenantWithTelegram("tg-redelivery");
    const update = textMessage(700003, 1, "Mohon info biaya transfer antar bank");
    await t.postUpdate(tenantId, update);
    await t.routed(tenantId, 700003, 1);
    const again = await t.postUpdate(tenantId, update);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ ok: true, received: 1, stored: 0, duplicates: 1, unreadable: 0 });

    expect(await t.storedMessages(tenantId)).toHaveLength(1);
    const list = await t.desk(key).get("/api/v1/desk/tickets?channel=TELEGRAM");
    expect(list.body.data).toHaveLength(1);
    const detail = await t.desk(key).get(`/api/v1/desk/tickets/${list.body.data[0].ticketNumber}`);
    expect(detail.body.data.comments).toHaveLength(0);
    // One acknowledgement, not two.
    expect(t.bot.sent().filter((m) => m.chat_id === "700003")).toHaveLength(1);
  });

  it("reads the account as last saved: a new secret, a disabled account and a deleted one apply at once", async () => {
    const { tenantId } = await t.tenantWithTelegram("tg-account-change");
    // The account is read (and cached) by the first update.
    expect((await t.postUpdate(tenantId, textMessage(700090, 1, "halo"))).status).toBe(200);
    const save = (settings: Record<string, unknown>, enabled = true) =>
      t.hub.adminRequest(`/api/admin/tenants/${tenantId}/channels/telegram`, {
        method: "PUT",
        json: {
          provider: "telegram",
          enabled,
          settings: { botToken: t.bot.token, apiRoot: t.bot.apiRoot, ...settings },
        },
      });
    const rotated = "rotated-secret_for-the-webhook-0456";
    expect((await save({ webhookSecret: rotated })).status).toBe(200);
    expect((await t.postUpdate(tenantId, textMessage(700090, 2, "lagi"))).status).toBe(403);
    expect((await t.postUpdate(tenantId, textMessage(700090, 2, "lagi"), rotated)).status).toBe(200);
    expect((await save({ webhookSecret: rotated }, false)).status).toBe(200);
    expect((await t.postUpdate(tenantId, textMessage(700090, 3, "lagi"), rotated)).status).toBe(403);
    expect((await save({ webhookSecret: rotated })).status).toBe(200);
    expect((await t.postUpdate(tenantId, textMessage(700090, 3, "lagi"), rotated)).status).toBe(200);
    const removed = await t.hub.adminRequest(`/api/admin/tenants/${tenantId}/channels/telegram`, {
      method: "DELETE",
    });
    expect(removed.status).toBe(204);
    expect((await t.postUpdate(tenantId, textMessage(700090, 4, "lagi"), rotated)).status).toBe(403);
  });

  it("handles every update of a batch, and leaves what is not a private message alone", async () => {
    const { tenantId, key } = await t.tenantWithTelegram("tg-batch");
    const group = textMessage(-100777, 1, "in a group");
    (group.message.chat as { type: string }).type = "group";
    const res = await t.postUpdate(tenantId, [
      textMessage(700004, 1, "pesan pertama"),
      textMessage(700005, 1, "pesan dari orang lain"),
      group,
      { update_id: 99, edited_message: { message_id: 1, date: 1, chat: { id: 700004, type: "private" } } },
    ]);
    expect(await res.json()).toEqual({ ok: true, received: 2, stored: 2, duplicates: 0, unreadable: 0 });
    await t.routed(tenantId, 700004, 1);
    await t.routed(tenantId, 700005, 1);
    const list = await t.desk(key).get("/api/v1/desk/tickets?channel=TELEGRAM");
    expect(list.body.data).toHaveLength(2);
    const people = await t.hub.db
      .select({ name: customers.name })
      .from(conversations)
      .innerJoin(customers, eq(customers.id, conversations.customerId))
      .where(eq(conversations.tenantId, tenantId));
    expect(people).toHaveLength(2);
  });

  it("a returning customer on a new chat message after a closed ticket gets a new ticket, same customer", async () => {
    const { tenantId, key } = await t.tenantWithTelegram("tg-closed");
    await t.postUpdate(tenantId, textMessage(700006, 1, "Saya ingin komplain pelayanan cabang"));
    await t.routed(tenantId, 700006, 1);
    const first = (await t.desk(key).get("/api/v1/desk/tickets")).body.data[0];
    expect(first.serviceType).toBe("COMPLAINT");
    expect(
      (await t.desk(key).post(`/api/v1/desk/tickets/${first.ticketNumber}/status`, { status: "CANCELLED" }))
        .status,
    ).toBe(200);

    await t.postUpdate(tenantId, textMessage(700006, 2, "Halo lagi"));
    expect(await t.routed(tenantId, 700006, 2)).toEqual({ status: "routed", outcomes: ["ticket_created"] });
    const list = (await t.desk(key).get("/api/v1/desk/tickets")).body.data;
    expect(list).toHaveLength(2);
    expect(list[0].customerId).toBe(first.customerId);
    expect(list[0].ticketNumber).not.toBe(first.ticketNumber);
  });
});

describe("Telegram webhook setup", () => {
  it("the operator points the bot at the hub: setWebhook with the hub's URL and the account's secret token", async () => {
    const { tenantId } = await t.tenantWithTelegram("tg-setup");
    const res = await t.hub.adminRequest(`/api/admin/tenants/${tenantId}/channels/telegram/webhook`, {
      method: "POST",
    });
    expect(res.status).toBe(200);
    const url = `${t.hub.config.channels.publicBaseUrl}/api/webhooks/telegram/${tenantId}`;
    expect(((await res.json()) as { data: { url: string } }).data.url).toBe(url);
    const call = t.bot.calls().find((c) => c.method === "setWebhook" && c.body.url === url);
    expect(call?.body).toEqual({ url, secret_token: webhookSecret, allowed_updates: ["message"] });
    expect(url).not.toContain(t.bot.token.split(":")[1]);
    const none = await t.hub.createTenantWithKey("tg-setup-none", ["desk:read"]);
    const refused = await t.hub.adminRequest(
      `/api/admin/tenants/${none.tenantId}/channels/telegram/webhook`,
      {
        method: "POST",
      },
    );
    expect(refused.status).toBe(409);
  });
});

describe("Telegram webhook security", () => {
  it("a wrong or missing secret token is a 403 and nothing is stored", async () => {
    const { tenantId } = await t.tenantWithTelegram("tg-secret");
    const wrong = await t.postUpdate(tenantId, textMessage(700100, 1, "halo"), "not-the-secret-token-000000");
    expect(wrong.status).toBe(403);
    expect(((await wrong.json()) as { error: { code: string } }).error.code).toBe("FORBIDDEN");
    const missing = await t.postUpdate(tenantId, textMessage(700100, 2, "halo"), null);
    expect(missing.status).toBe(403);
    // The secret is checked before the body is read: a body that is not even JSON is still a 403.
    const garbage = await t.hub.request(`/api/webhooks/telegram/${tenantId}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": "nope" },
      body: "{not json",
    });
    expect(garbage.status).toBe(403);
    expect(await t.storedMessages(tenantId)).toHaveLength(0);
  });

  it("a tenant without a Telegram account answers the same 403", async () => {
    const other = await t.hub.createTenantWithKey("tg-none", ["desk:read"]);
    const res = await t.postUpdate(other.tenantId, textMessage(700101, 1, "halo"));
    expect(res.status).toBe(403);
    expect(await t.storedMessages(other.tenantId)).toHaveLength(0);
    const unknown = await t.postUpdate("ten_doesnotexist", textMessage(700101, 1, "halo"));
    expect(unknown.status).toBe(403);
  });

  it("with the right secret, a body that is not an update is a 400 naming the field", async () => {
    const { tenantId } = await t.tenantWithTelegram("tg-badbody");
    const res = await t.postUpdate(tenantId, { message: { text: "no update id" } });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; fields: Record<string, string> } };
    expect(body.error.code).toBe("VALIDATION_FAILED");
    expect(Object.keys(body.error.fields)).toContain("update_id");
  });

  it("an update whose message the hub cannot read is skipped, not refused: Telegram would resend it for ever", async () => {
    const { tenantId } = await t.tenantWithTelegram("tg-unreadable");
    const odd = textMessage(700102, 1, "halo");
    (odd.message.chat as { id: unknown }).id = "not a number";
    const res = await t.postUpdate(tenantId, [odd, textMessage(700103, 1, "halo juga")]);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, received: 1, stored: 1, duplicates: 0, unreadable: 1 });
  });
});

describe("Telegram: files", () => {
  it("a photo is fetched through getFile and kept on the ticket; an executable is refused with a note", async () => {
    const { tenantId, key } = await t.tenantWithTelegram("tg-files");
    const jpeg = Buffer.from([
      0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0xff, 0xd9,
    ]);
    t.bot.addFile("photo-big", jpeg, "photos/file_1.jpg");
    t.bot.addFile("doc-exe", Buffer.from("MZ\x90\x00 not a pdf"), "documents/file_2.pdf");
    await t.postUpdate(
      tenantId,
      telegramMessage(700200, 1, {
        caption: "Bukti transfer",
        photo: [
          { file_id: "photo-small", file_unique_id: "s", width: 90, height: 90, file_size: 10 },
          { file_id: "photo-big", file_unique_id: "b", width: 800, height: 800, file_size: jpeg.byteLength },
        ],
      }),
    );
    await t.routed(tenantId, 700200, 1);
    await t.postUpdate(
      tenantId,
      telegramMessage(700200, 2, {
        document: {
          file_id: "doc-exe",
          file_unique_id: "d",
          file_name: "setup.pdf",
          mime_type: "application/pdf",
        },
      }),
    );
    await t.routed(tenantId, 700200, 2);

    const ticket = (await t.desk(key).get("/api/v1/desk/tickets")).body.data[0];
    const detail = (await t.desk(key).get(`/api/v1/desk/tickets/${ticket.ticketNumber}`)).body.data;
    expect(detail.description).toContain("Bukti transfer");
    expect(detail.attachments).toHaveLength(1);
    expect(detail.attachments[0]).toMatchObject({ mimeType: "image/jpeg", size: jpeg.byteLength });
    const download = await t.hub.request(detail.attachments[0].downloadUrl, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(Buffer.from(await download.arrayBuffer())).toEqual(jpeg);
    expect(detail.comments[0].content).toMatch(/\[Lampiran tidak disimpan: setup\.pdf: content/);
    expect(
      t.bot
        .calls()
        .filter((c) => c.method === "getFile")
        .map((c) => c.body.file_id),
    ).toEqual(expect.arrayContaining(["photo-big", "doc-exe"]));
  });
});

describe("Telegram: agents' replies", () => {
  it("a desk reply goes out to the chat and its delivery status shows on the comment; a note never leaves", async () => {
    const { tenantId, key } = await t.tenantWithTelegram("tg-reply");
    await t.postUpdate(tenantId, textMessage(700300, 1, "Bagaimana cara mengganti PIN?"));
    await t.routed(tenantId, 700300, 1);
    const ticket = (await t.desk(key).get("/api/v1/desk/tickets")).body.data[0];

    const note = await t.desk(key).post(`/api/v1/desk/tickets/${ticket.ticketNumber}/notes`, {
      content: "Nasabah prioritas, jawab cepat",
      authorId: "usr_sari",
    });
    expect(note.status).toBe(201);
    const reply = await t.desk(key).post(`/api/v1/desk/tickets/${ticket.ticketNumber}/replies`, {
      content: "Silakan datang ke ATM terdekat dan pilih menu Ganti PIN.",
      authorId: "usr_sari",
    });
    expect(reply.status).toBe(201);
    await t.relay();

    const sent = await t.bot.waitForSent(
      (m) => m.chat_id === "700300" && String(m.text).includes("Ganti PIN"),
    );
    expect(sent.text).toBe("Silakan datang ke ATM terdekat dan pilih menu Ganti PIN.");
    expect(t.bot.sent().some((m) => String(m.text).includes("prioritas"))).toBe(false);

    await expect
      .poll(async () => {
        const detail = (await t.desk(key).get(`/api/v1/desk/tickets/${ticket.ticketNumber}`)).body.data;
        return detail.comments.map((c: { isInternal: boolean; delivery: unknown }) => [
          c.isInternal,
          c.delivery,
        ]);
      })
      .toEqual([
        [true, null],
        [false, expect.objectContaining({ channel: "TELEGRAM", status: "sent" })],
      ]);
  });

  it("a reply to a chat that blocked the bot is marked failed with the provider's reason", async () => {
    const { tenantId, key } = await t.tenantWithTelegram("tg-blocked");
    await t.postUpdate(tenantId, textMessage(700301, 1, "Halo, saya butuh bantuan"));
    await t.routed(tenantId, 700301, 1);
    t.bot.blockChat(700301);
    const ticket = (await t.desk(key).get("/api/v1/desk/tickets")).body.data[0];
    await t.desk(key).post(`/api/v1/desk/tickets/${ticket.ticketNumber}/replies`, {
      content: "Baik, kami bantu.",
      authorId: "usr_sari",
    });
    await t.relay();
    await expect
      .poll(async () => {
        const detail = (await t.desk(key).get(`/api/v1/desk/tickets/${ticket.ticketNumber}`)).body.data;
        return detail.comments[0]?.delivery;
      })
      .toMatchObject({ status: "failed", error: expect.stringContaining("blocked") });
  });
});

describe("Telegram tickets are the service desk's tickets", () => {
  it("they fire the service desk's webhooks: TICKET_CREATED, then COMMENT_ADDED for the next message", async () => {
    const receiver = await startReceiver(() => 200);
    try {
      const { tenantId } = await t.tenantWithTelegram("tg-hooks");
      // A partner's endpoint on the Telegram tenant, subscribed to the service desk's events.
      const keyRes = await t.hub.adminRequest("/api/admin/api-keys", {
        method: "POST",
        json: { tenantId, name: "hooks", scopes: ["webhooks:write"] },
      });
      const hooksKey = ((await keyRes.json()) as { data: { key: string } }).data.key;
      const endpoint = await t.hub.request("/api/v1/webhooks/endpoints", {
        method: "POST",
        headers: { ...bearer(hooksKey), "content-type": "application/json" },
        body: JSON.stringify({ url: receiver.url, eventTypes: ["TICKET_CREATED", "COMMENT_ADDED"] }),
      });
      expect(endpoint.status).toBe(201);

      await t.postUpdate(tenantId, textMessage(700700, 1, "Mohon bantuan untuk blokir kartu, kartu hilang"));
      await t.routed(tenantId, 700700, 1);
      await t.postUpdate(tenantId, textMessage(700700, 2, "Terima kasih"));
      await t.routed(tenantId, 700700, 2);
      await t.relay();
      await receiver.until(2);
      const bodies = receiver.received.map(
        (r) => JSON.parse(r.body) as { event: string; channelReferenceId: string },
      );
      expect(bodies.map((b) => b.event).sort()).toEqual(["COMMENT_ADDED", "TICKET_CREATED"]);
      expect(bodies[0]?.channelReferenceId).toMatch(/^cnv_/);
    } finally {
      await receiver.close();
    }
  });
});
