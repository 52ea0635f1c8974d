import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type InboundHub, inboundHub } from "./support.js";
import {
  cloudBody,
  cloudText,
  type GraphFake,
  messagesChange,
  postCloud,
  startCloudGraph,
  tenantWithWhatsAppCloud,
  wamid,
} from "./whatsappSupport.js";

let t: InboundHub;
let graph: GraphFake;

beforeAll(async () => {
  graph = await startCloudGraph();
  t = await inboundHub();
});

afterAll(async () => {
  await t.close();
  await graph.close();
});

const sentTo = (digits: string) => graph.messages.filter((m) => m.body.to === digits);
const textOf = (m: { body: Record<string, unknown> }) => (m.body.text as { body: string }).body;

describe("WhatsApp Cloud API: a customer's messages become a ticket", () => {
  it("a first message opens a ticket on a customer named by the profile, with the wa_id as E.164; the acknowledgement goes back through the Graph API", async () => {
    const { tenantId, key } = await tenantWithWhatsAppCloud(t, graph, "wa-first");
    const message = cloudText("6281234567890", "Saya tidak bisa login m-banking sejak kemarin");
    const res = await postCloud(
      t,
      tenantId,
      cloudBody([messagesChange([message], { "6281234567890": "Budi Santoso" })]),
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ received: 0, stored: 1, duplicates: 0, skipped: 0 });
    expect(await t.routedOn(tenantId, "whatsapp", message.id)).toEqual({
      status: "routed",
      outcomes: ["ticket_created"],
    });

    const tickets = (await t.desk(key).get("/api/v1/desk/tickets?channel=WHATSAPP")).body.data;
    expect(tickets).toHaveLength(1);
    const detail = (await t.desk(key).get(`/api/v1/desk/tickets/${tickets[0].ticketNumber}`)).body.data;
    expect(detail).toMatchObject({
      serviceType: "MOBILE_BANKING",
      description: "Saya tidak bisa login m-banking sejak kemarin",
      customer: { name: "Budi Santoso", phone: "+6281234567890" },
    });
    await expect.poll(() => sentTo("6281234567890").length).toBe(1);
    const [ack] = sentTo("6281234567890");
    expect(ack?.body).toMatchObject({ messaging_product: "whatsapp", type: "text" });
    expect(textOf(ack as { body: Record<string, unknown> })).toContain(
      `*Tiket ${tickets[0].ticketNumber} diterima*`,
    );
  });

  it("a second message joins the ticket; a redelivered batch stores nothing and changes nothing", async () => {
    const { tenantId, key } = await tenantWithWhatsAppCloud(t, graph, "wa-thread");
    const from = "6281298765432";
    const first = cloudText(from, "Halo, mau tanya cara aktivasi kartu");
    await postCloud(t, tenantId, cloudBody([messagesChange([first], { [from]: "Sari" })]));
    await t.routedOn(tenantId, "whatsapp", first.id);
    const second = cloudText(from, "Kartunya baru saya terima hari ini");
    const batch = cloudBody([messagesChange([second], { [from]: "Sari" })]);
    await postCloud(t, tenantId, batch);
    expect(await t.routedOn(tenantId, "whatsapp", second.id)).toEqual({
      status: "routed",
      outcomes: ["comment_added"],
    });

    const again = await postCloud(t, tenantId, batch);
    expect(await again.json()).toEqual({ received: 0, stored: 0, duplicates: 1, skipped: 0 });
    expect(await t.storedMessages(tenantId)).toHaveLength(2);
    const tickets = (await t.desk(key).get("/api/v1/desk/tickets?channel=WHATSAPP")).body.data;
    expect(tickets).toHaveLength(1);
    const detail = (await t.desk(key).get(`/api/v1/desk/tickets/${tickets[0].ticketNumber}`)).body.data;
    expect(detail.comments.map((c: { content: string }) => c.content)).toEqual([
      "Kartunya baru saya terima hari ini",
    ]);
  });

  it("every entry of a batched payload is read; replies to buttons are text; reactions and stickers are skipped and counted, not refused", async () => {
    const { tenantId, key } = await tenantWithWhatsAppCloud(t, graph, "wa-batch");
    const one = cloudText("6281311110001", "Kartu saya tertelan mesin ATM");
    const two = {
      from: "6281311110002",
      id: wamid(),
      timestamp: String(Math.floor(Date.now() / 1000)),
      type: "interactive",
      interactive: { type: "button_reply", button_reply: { id: "cek-saldo", title: "Cek saldo rekening" } },
    };
    const reaction = {
      from: "6281311110002",
      id: wamid(),
      timestamp: "1767225600",
      type: "reaction",
      reaction: { message_id: one.id, emoji: "👍" },
    };
    const sticker = {
      ...reaction,
      id: wamid(),
      type: "sticker",
      sticker: { id: "9", mime_type: "image/webp" },
    };
    const elsewhere = cloudText("6281311110003", "for another number of the app");
    const res = await postCloud(
      t,
      tenantId,
      cloudBody(
        [messagesChange([one], { "6281311110001": "Andi" })],
        [
          messagesChange([two, reaction, sticker], { "6281311110002": "Rina" }),
          messagesChange([elsewhere], {}, "999999999"),
        ],
      ),
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ received: 0, stored: 2, duplicates: 0, skipped: 2 });
    await t.routedOn(tenantId, "whatsapp", one.id);
    await t.routedOn(tenantId, "whatsapp", two.id);
    const stored = await t.storedMessages(tenantId);
    expect(stored.map((m) => [m.senderAddress, m.senderName, m.text]).sort()).toEqual([
      ["+6281311110001", "Andi", "Kartu saya tertelan mesin ATM"],
      ["+6281311110002", "Rina", "Cek saldo rekening"],
    ]);
    const tickets = (await t.desk(key).get("/api/v1/desk/tickets?channel=WHATSAPP")).body.data;
    expect(tickets).toHaveLength(2);
  });

  it("a customer's picture is fetched through the Graph API's media endpoint and kept on the ticket", async () => {
    const { tenantId, key } = await tenantWithWhatsAppCloud(t, graph, "wa-image");
    const png = Buffer.from(
      "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
      "base64",
    );
    const mediaId = graph.addMedia(png, "image/png");
    const image = {
      from: "6281233334444",
      id: wamid(),
      timestamp: String(Math.floor(Date.now() / 1000)),
      type: "image",
      image: { id: mediaId, mime_type: "image/png", sha256: "x", caption: "Ini bukti transfernya" },
    };
    await postCloud(t, tenantId, cloudBody([messagesChange([image], { "6281233334444": "Dewi" })]));
    await t.routedOn(tenantId, "whatsapp", image.id);
    const ticket = (await t.desk(key).get("/api/v1/desk/tickets?channel=WHATSAPP")).body.data[0];
    const detail = (await t.desk(key).get(`/api/v1/desk/tickets/${ticket.ticketNumber}`)).body.data;
    expect(detail.description).toMatch(/^Ini bukti transfernya/);
    expect(detail.attachments).toMatchObject([{ mimeType: "image/png", size: png.byteLength }]);
    const download = graph.requests.find((r) => r.path.endsWith(`/attachments/${mediaId}`));
    expect(download?.headers.authorization).toBe(`Bearer ${"EAAG-test-access-token-0123456789"}`);
  });
});

describe("WhatsApp Cloud API: the agent's reply", () => {
  it("goes out through the Graph API to the customer's number; Meta's status moves it to delivered on the desk", async () => {
    const { tenantId, key } = await tenantWithWhatsAppCloud(t, graph, "wa-reply");
    const from = "6281255556666";
    const first = cloudText(from, "Mau tanya limit transfer harian");
    await postCloud(t, tenantId, cloudBody([messagesChange([first], { [from]: "Rudi" })]));
    await t.routedOn(tenantId, "whatsapp", first.id);
    const ticket = (await t.desk(key).get("/api/v1/desk/tickets?channel=WHATSAPP")).body.data[0];
    await t.desk(key).post(`/api/v1/desk/tickets/${ticket.ticketNumber}/replies`, {
      content: "Limit transfer harian Anda Rp 50 juta.",
      authorId: "usr_sari",
    });
    await t.relay();
    await expect.poll(() => sentTo(from).map(textOf)).toContain("Limit transfer harian Anda Rp 50 juta.");
    const reply = sentTo(from).find((m) => textOf(m) === "Limit transfer harian Anda Rp 50 juta.");
    const deliveryOf = async () => {
      const after = (await t.desk(key).get(`/api/v1/desk/tickets/${ticket.ticketNumber}`)).body.data;
      return after.comments.at(-1)?.delivery;
    };
    await expect.poll(deliveryOf).toMatchObject({ channel: "WHATSAPP", status: "sent" });

    const status = {
      field: "messages",
      value: {
        messaging_product: "whatsapp",
        metadata: { display_phone_number: "15550100", phone_number_id: "106540352242922" },
        statuses: [
          { id: reply?.wamid, status: "delivered", timestamp: String(Math.floor(Date.now() / 1000)) },
        ],
      },
    };
    const res = await postCloud(t, tenantId, cloudBody([status]));
    expect(await res.json()).toEqual({ received: 1, stored: 0, duplicates: 0, skipped: 0 });
    expect(await deliveryOf()).toMatchObject({ status: "delivered" });
  });
});

describe("WhatsApp Cloud API webhook security", () => {
  it("a bad signature is a 403 and nothing is stored", async () => {
    const { tenantId } = await tenantWithWhatsAppCloud(t, graph, "wa-forged");
    const body = cloudBody([messagesChange([cloudText("6281200000000", "transfer semua saldo")])]);
    expect((await postCloud(t, tenantId, body, "not-the-app-secret-000000000000")).status).toBe(403);
    const unsigned = await t.hub.request(`/api/webhooks/whatsapp/${tenantId}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    expect(unsigned.status).toBe(403);
    expect(await t.storedMessages(tenantId)).toHaveLength(0);
  });
});
