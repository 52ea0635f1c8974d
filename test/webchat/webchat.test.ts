import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedisConnection } from "../../queues/connection.js";
import {
  conversations,
  customerIdentities,
  events,
  outboundMessages,
  sessionHandoffs,
} from "../../src/db/schema/index.js";
import { queueOutbound } from "../../src/inbound/conversationStore.js";
import { type ConversationSender, sendOutbound } from "../../src/inbound/outbound.js";
import { markDelivered, webchatSender } from "../../src/webchat/outbound.js";
import { testRedisUrl } from "../support/env.js";
import { bearer } from "../support/testHub.js";
import { type Chat, sessionsKey, type WebchatHub, webchatHub } from "./support.js";

let t: WebchatHub;
const redis = createRedisConnection(testRedisUrl, "producer");

beforeAll(async () => {
  t = await webchatHub({
    WEBCHAT_MAX_MESSAGE_BYTES: "1024",
    WEBCHAT_RATE_MAX_MESSAGES: "8",
    WEBCHAT_RATE_WINDOW_MS: "600000",
    WEBCHAT_MAX_VIOLATIONS: "3",
  });
});
afterAll(async () => {
  await t?.close();
  redis.disconnect();
});

/** A customer's chat with one message routed into a ticket: the ticket, the session, the socket. */
async function chatWithTicket(slug: string, text = "Tidak bisa login ke aplikasi sejak pagi") {
  const tenant = await t.tenantWithTelegram(slug);
  const chat = t.open(tenant.tenantId);
  const session = await chat.start({ name: "Budi Santoso", email: "Budi.Santoso@Example.com" });
  await chat.say(text, "first-message");
  await t.routed(tenant.tenantId, session.sessionId, "first-message");
  const ticket = (await t.desk(tenant.key).get("/api/v1/desk/tickets?channel=CHAT")).body.data[0];
  return { ...tenant, chat, session, ticket };
}

const lines = (frame: { messages: Array<{ from: string; text: string }> }) =>
  frame.messages.map((m) => [m.from, m.text]);

describe("web chat: a customer's messages become a ticket", () => {
  it("a first message opens a ticket on the customer the e-mail names (created with that identity), acknowledged live", async () => {
    const { tenantId, key, chat, session, ticket } = await chatWithTicket("wc-first");
    expect(session).toMatchObject({
      sessionId: expect.stringMatching(/^sess_/),
      sessionToken: expect.stringMatching(/^wcs_[A-Za-z0-9_-]{43}$/),
      name: "Budi Santoso",
      resumed: "new",
    });
    expect(ticket).toMatchObject({ channel: "CHAT", serviceType: "MOBILE_BANKING" });
    const detail = (await t.desk(key).get(`/api/v1/desk/tickets/${ticket.ticketNumber}`)).body.data;
    expect(detail.description).toBe("Tidak bisa login ke aplikasi sejak pagi");
    expect(detail.customer.name).toBe("Budi Santoso");
    const identities = await t.hub.db
      .select({ kind: customerIdentities.kind, value: customerIdentities.value })
      .from(customerIdentities)
      .where(eq(customerIdentities.customerId, ticket.customerId));
    expect(identities).toEqual([{ kind: "email", value: "budi.santoso@example.com" }]);
    // The chat is an SCT07 session of that customer on the CHAT channel.
    const res = await t.hub.request(`/api/v1/sessions/${session.sessionId}`, {
      headers: bearer(await sessionsKey(t, tenantId)),
    });
    expect(await res.json()).toMatchObject({
      customer_id: ticket.customerId,
      channel: "CHAT",
      status: "active",
    });

    const ack = await chat.ofType("message");
    expect(ack.message).toMatchObject({
      from: "bot",
      // The in-app variant of the tenant's TICKET_CREATED template (here the default).
      text: `Permintaan Anda telah kami terima dengan nomor tiket ${ticket.ticketNumber}. Kami akan terus mengabari Anda.`,
    });
    chat.ws.close();
  });

  it("a second message joins the same ticket; the same message sent again is recognised, not stored twice", async () => {
    const { tenantId, key, chat, session, ticket } = await chatWithTicket("wc-second");
    expect(await chat.say("Sudah saya coba instal ulang", "second-message")).toMatchObject({
      duplicate: false,
    });
    expect(await t.routed(tenantId, session.sessionId, "second-message")).toEqual({
      status: "routed",
      outcomes: ["comment_added"],
    });
    expect(await chat.say("Sudah saya coba instal ulang", "second-message")).toMatchObject({
      duplicate: true,
    });

    expect((await t.desk(key).get("/api/v1/desk/tickets?channel=CHAT")).body.data).toHaveLength(1);
    const detail = (await t.desk(key).get(`/api/v1/desk/tickets/${ticket.ticketNumber}`)).body.data;
    expect(detail.comments).toMatchObject([
      { content: "Sudah saya coba instal ulang", authorType: "customer", isFromSupport: false },
    ]);
    expect(await t.storedMessages(tenantId)).toHaveLength(2);
    chat.ws.close();
  });

  it("one phone number written two ways is one customer, in the tenant's region", async () => {
    const { tenantId, key } = await t.tenantWithTelegram("wc-phone");
    await t.hub.adminRequest(`/api/admin/tenants/${tenantId}`, {
      method: "PATCH",
      json: { defaultRegion: "ID" },
    });
    const first = t.open(tenantId);
    const a = await first.start({ name: "Sari", phone: "+62 812-3456-7890" });
    await first.say("Mohon info biaya transfer antar bank", "phone-msg-1");
    await t.routed(tenantId, a.sessionId, "phone-msg-1");
    first.ws.close();
    // Another chat (another browser) under the same number, written another way: the same customer.
    const second = t.open(tenantId);
    const b = await second.start({ name: "Sari W.", phone: "0812 3456 7890" });
    await second.say("Kartu saya tertelan mesin ATM", "phone-msg-2");
    await t.routed(tenantId, b.sessionId, "phone-msg-2");
    const tickets = (await t.desk(key).get("/api/v1/desk/tickets?channel=CHAT")).body.data;
    expect(tickets).toHaveLength(2);
    expect(tickets[0].customerId).toBe(tickets[1].customerId);
    second.ws.close();
  });
});

describe("web chat: agents' replies", () => {
  it("a desk reply arrives on the customer's socket and shows delivered on the comment; a note never leaves", async () => {
    const { key, chat, ticket } = await chatWithTicket("wc-reply", "Bagaimana cara mengganti PIN?");
    await chat.ofType("message"); // the acknowledgement
    await t.desk(key).post(`/api/v1/desk/tickets/${ticket.ticketNumber}/notes`, {
      content: "Nasabah prioritas, jawab cepat",
      authorId: "usr_sari",
    });
    const reply = await t.desk(key).post(`/api/v1/desk/tickets/${ticket.ticketNumber}/replies`, {
      content: "Silakan datang ke ATM terdekat dan pilih menu Ganti PIN.",
      authorId: "usr_sari",
    });
    expect(reply.status).toBe(201);
    await t.relay();

    const live = await chat.ofType("message");
    expect(live.message).toMatchObject({
      id: expect.stringMatching(/^out_/),
      from: "agent",
      text: "Silakan datang ke ATM terdekat dan pilih menu Ganti PIN.",
    });
    expect(JSON.stringify(chat.frames)).not.toContain("prioritas");
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
        [false, expect.objectContaining({ channel: "CHAT", status: "delivered" })],
      ]);
    chat.ws.close();
  });

  it("a socket's delivery that comes before the job records the send stays delivered; the send is still recorded once", async () => {
    const { tenantId, ticket } = await chatWithTicket("wc-race");
    const [conversation] = await t.hub.db
      .select()
      .from(conversations)
      .where(eq(conversations.tenantId, tenantId));
    if (!conversation) throw new Error("no conversation");
    // A row no job sends: this test sends it itself, with the socket's write landing first.
    const outboundId = await t.hub.db.transaction((tx) =>
      queueOutbound(
        tx,
        conversation,
        { kind: "reply", text: "Baik, kami cek.", ticketId: ticket.id },
        new Date(),
      ),
    );
    if (!outboundId) throw new Error("no outbound row");
    const announceThenDeliver: ConversationSender = {
      async send(message) {
        const result = await webchatSender(t.hub.db, redis, t.hub.prefix).send(message);
        await markDelivered(t.hub.db, tenantId, [message.outboundId], ["pending", "sent"]);
        return result;
      },
    };
    expect(await sendOutbound(t.hub.db, announceThenDeliver, outboundId, { isLast: false })).toEqual({
      status: "sent",
      outboundId,
    });
    const [row] = await t.hub.db.select().from(outboundMessages).where(eq(outboundMessages.id, outboundId));
    expect(row).toMatchObject({ status: "delivered", providerMessageId: outboundId, attempts: 1 });
    const sent = await t.hub.db
      .select()
      .from(events)
      .where(and(eq(events.tenantId, tenantId), eq(events.type, "conversation.message.sent")));
    expect(sent.filter((e) => e.payload.outboundId === outboundId)).toHaveLength(1);
  });
});

describe("web chat: resuming", () => {
  it("after a reload the kept session token resumes the chat with its history, without internal notes", async () => {
    const { tenantId, key, chat, session, ticket } = await chatWithTicket(
      "wc-reload",
      "Kartu debit saya hilang",
    );
    await t.desk(key).post(`/api/v1/desk/tickets/${ticket.ticketNumber}/notes`, {
      content: "Cek mutasi terakhir dulu",
      authorId: "usr_dewi",
    });
    await t.desk(key).post(`/api/v1/desk/tickets/${ticket.ticketNumber}/replies`, {
      content: "Kartu Anda sudah kami blokir.",
      authorId: "usr_dewi",
    });
    await t.relay();
    await chat.ofType("message", (f) => f.message.from === "agent");
    chat.ws.close();
    await chat.closed;

    const again = t.open(tenantId);
    await again.opened;
    await again.ofType("ready");
    again.send({ type: "resume", sessionToken: session.sessionToken });
    expect(await again.ofType("session")).toMatchObject({ sessionId: session.sessionId, resumed: "token" });
    const history = await again.ofType("history");
    expect(lines(history as never)).toEqual([
      ["customer", "Kartu debit saya hilang"],
      ["bot", expect.stringContaining(`nomor tiket ${ticket.ticketNumber}.`)],
      ["agent", "Kartu Anda sudah kami blokir."],
    ]);
    // And the chat goes on in the same ticket.
    await again.say("Terima kasih", "after-reload");
    expect(await t.routed(tenantId, session.sessionId, "after-reload")).toEqual({
      status: "routed",
      outcomes: ["comment_added"],
    });
    again.ws.close();
  });

  it("on another device, an SCT07 handoff token resumes the chat with its history; the first device's session is closed", async () => {
    const { tenantId, chat, session, ticket } = await chatWithTicket("wc-handoff", "Saldo tidak bertambah");
    await chat.ofType("message");
    const key = await sessionsKey(t, tenantId);
    // The bank's backend asks SCT07 for a handoff token for the CHAT channel.
    const res = await t.hub.request("/api/v1/sessions/handoff", {
      method: "POST",
      headers: { ...bearer(key), "content-type": "application/json" },
      body: JSON.stringify({ source_session_id: session.sessionId, target_channel: "CHAT" }),
    });
    expect(res.status).toBe(201);
    const { handoff_token } = (await res.json()) as { handoff_token: string };

    const phone = t.open(tenantId);
    await phone.opened;
    await phone.ofType("ready");
    phone.send({ type: "resume", handoffToken: handoff_token, deviceId: "phone-msg-1" });
    const resumed = await phone.ofType("session");
    expect(resumed).toMatchObject({ resumed: "handoff", name: "Budi Santoso" });
    expect(resumed.sessionId).not.toBe(session.sessionId);
    expect(resumed.sessionToken).not.toBe(session.sessionToken);
    expect(lines((await phone.ofType("history")) as never)).toEqual([
      ["customer", "Saldo tidak bertambah"],
      ["bot", expect.stringContaining(`nomor tiket ${ticket.ticketNumber}.`)],
    ]);
    await phone.say("Saya lanjutkan dari HP", "from-phone");
    expect(await t.routed(tenantId, resumed.sessionId, "from-phone")).toEqual({
      status: "routed",
      outcomes: ["comment_added"],
    });

    // The first device's session was handed off: its socket and its token resume nothing.
    chat.send({ type: "message", text: "masih di sini?", clientMessageId: "old-device" });
    expect(await chat.ofType("error")).toMatchObject({ code: "session_closed" });
    const old = t.open(tenantId);
    await old.opened;
    await old.ofType("ready");
    old.send({ type: "resume", sessionToken: session.sessionToken });
    expect(await old.ofType("error")).toMatchObject({ code: "session_closed" });
    // A used token is refused with SCT07's reason.
    old.send({ type: "resume", handoffToken: handoff_token });
    expect(await old.ofType("error")).toMatchObject({
      code: "handoff_refused",
      message: expect.stringMatching(/already used/),
    });
    for (const c of [chat, phone, old]) c.ws.close();
  });

  it("a customer handed off from the mobile app chats under their e-mail; one with no e-mail or phone cannot, and the token stays unused", async () => {
    const { tenantId, key: deskKey } = await t.tenantWithTelegram("wc-from-app");
    const key = await sessionsKey(t, tenantId);
    const api = async (path: string, body: unknown) => {
      const res = await t.hub.request(path, {
        method: "POST",
        headers: { ...bearer(key), "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      // biome-ignore lint/suspicious/noExplicitAny: tests read the JSON the API answered.
      return (await res.json()) as any;
    };
    const handoffFromApp = async (customer: Record<string, string>) => {
      const { customer_id } = await api("/api/v1/customers", customer);
      const { session_id } = await api("/api/v1/sessions", { customer_id, channel: "MOBILE_IOS" });
      const { handoff_token } = await api("/api/v1/sessions/handoff", {
        source_session_id: session_id,
        target_channel: "CHAT",
      });
      return { customerId: customer_id as string, token: handoff_token as string };
    };

    const known = await handoffFromApp({ name: "Rina Wati", email: "rina@example.com" });
    const chat = t.open(tenantId);
    await chat.opened;
    await chat.ofType("ready");
    chat.send({ type: "resume", handoffToken: known.token });
    const session = await chat.ofType("session");
    expect(session).toMatchObject({ resumed: "handoff", name: "Rina Wati" });
    expect((await chat.ofType("history")).messages).toEqual([]);
    await chat.say("Saya mau tanya limit transfer", "from-the-app");
    await t.routed(tenantId, session.sessionId, "from-the-app");
    const ticket = (await t.desk(deskKey).get("/api/v1/desk/tickets?channel=CHAT")).body.data[0];
    expect(ticket.customerId).toBe(known.customerId);

    const unreachable = await handoffFromApp({ name: "Tanpa Kontak" });
    chat.ws.close();
    const other = t.open(tenantId);
    await other.opened;
    await other.ofType("ready");
    other.send({ type: "resume", handoffToken: unreachable.token });
    expect(await other.ofType("error")).toMatchObject({ code: "no_contact" });
    const [handoff] = await t.hub.db
      .select({ resumedAt: sessionHandoffs.resumedAt })
      .from(sessionHandoffs)
      .where(eq(sessionHandoffs.customerId, unreachable.customerId));
    expect(handoff).toEqual({ resumedAt: null });
    other.ws.close();
  });

  it("the widget can ask for the handoff token itself; a made-up session token is unknown", async () => {
    const { tenantId, chat } = await chatWithTicket("wc-self-handoff");
    chat.send({ type: "handoff" });
    const handoff = await chat.ofType("handoff");
    expect(handoff.handoffToken).toMatch(/^ho_/);
    const other = t.open(tenantId);
    await other.opened;
    await other.ofType("ready");
    other.send({ type: "resume", sessionToken: `wcs_${"A".repeat(43)}` });
    expect(await other.ofType("error")).toMatchObject({ code: "unknown_session" });
    other.send({ type: "resume", handoffToken: handoff.handoffToken });
    expect(await other.ofType("session")).toMatchObject({ resumed: "handoff" });
    for (const c of [chat, other]) c.ws.close();
  });
});

describe("web chat: frames and limits", () => {
  const ready = async (chat: Chat) => {
    await chat.opened;
    return chat.ofType("ready");
  };

  it("a frame over WEBCHAT_MAX_MESSAGE_BYTES gets an error frame naming the limit, and the socket stays open", async () => {
    const { tenantId } = await t.tenantWithTelegram("wc-size");
    const chat = t.open(tenantId);
    await chat.start({ name: "Budi", email: "budi@example.com" });
    expect(chat.frames[0]).toEqual({
      type: "ready",
      limits: { maxMessageBytes: 1024, maxMessages: 8, windowMs: 600000 },
    });
    chat.send({ type: "message", text: "x".repeat(1100), clientMessageId: "too-large-1" });
    expect(await chat.ofType("error")).toMatchObject({
      code: "message_too_large",
      limit: "WEBCHAT_MAX_MESSAGE_BYTES",
    });
    expect(await chat.say("Pesan biasa", "normal-size")).toMatchObject({ duplicate: false });
    expect(await t.storedMessages(tenantId)).toHaveLength(1);
    // Far above the limit (above the socket's own cap), the frame is not even read: 1009, too big.
    chat.send({ type: "message", text: "x".repeat(70_000), clientMessageId: "far-too-large" });
    expect((await chat.closed).code).toBe(1009);
  });

  it("past WEBCHAT_RATE_MAX_MESSAGES an error frame names the limit; repeated, the socket closes with 1008", async () => {
    const { tenantId } = await t.tenantWithTelegram("wc-rate");
    const chat = t.open(tenantId);
    await ready(chat);
    // Frames count whatever they are: eight answered (not started yet), the ninth refused.
    for (let i = 0; i < 8; i++) chat.send({ type: "end" });
    for (let i = 0; i < 8; i++) expect(await chat.ofType("error")).toMatchObject({ code: "not_started" });
    chat.send({ type: "end" });
    expect(await chat.ofType("error")).toMatchObject({
      code: "rate_limited",
      limit: "WEBCHAT_RATE_MAX_MESSAGES",
    });
    expect(chat.ws.readyState).toBe(chat.ws.OPEN);
    // WEBCHAT_MAX_VIOLATIONS is 3: the fourth refused frame closes the socket.
    for (let i = 0; i < 3; i++) chat.send({ type: "end" });
    expect(await chat.closed).toEqual({ code: 1008, reason: "too many frames over the limits" });
  });

  it("a frame that does not fit gets an error frame naming the field", async () => {
    const { tenantId } = await t.tenantWithTelegram("wc-frames");
    const chat = t.open(tenantId);
    await ready(chat);
    chat.send("not json");
    expect(await chat.ofType("error")).toMatchObject({ code: "invalid_frame" });
    chat.send({ type: "start", name: "Budi" });
    expect(await chat.ofType("error")).toMatchObject({ code: "invalid_frame", field: "email" });
    chat.send({ type: "start", name: "Budi", email: "not-an-address" });
    expect(await chat.ofType("error")).toMatchObject({ code: "invalid_frame", field: "email" });
    chat.send({ type: "shout" });
    expect(await chat.ofType("error")).toMatchObject({ code: "invalid_frame", field: "type" });
    chat.send({ type: "message", text: "halo" });
    expect(await chat.ofType("error")).toMatchObject({ code: "not_started" });
    chat.ws.close();
  });

  it("a tenant whose level leaves out the CHAT channel cannot start a chat", async () => {
    const { tenantId } = await t.tenantWithTelegram("wc-standard");
    await t.hub.adminRequest(`/api/admin/tenants/${tenantId}`, {
      method: "PATCH",
      json: { level: "standard" },
    });
    const chat = t.open(tenantId);
    await ready(chat);
    chat.send({ type: "start", name: "Budi", email: "budi@example.com" });
    expect(await chat.ofType("error")).toMatchObject({
      code: "level",
      message: expect.stringContaining("standard"),
    });
    chat.ws.close();
  });
});

describe("web chat: who may open the socket", () => {
  it("a tenant's own sites open its chat and no other tenant's; the list is checked as origins and replaced whole", async () => {
    const { tenantId } = await t.tenantWithTelegram("wc-own-site");
    const { tenantId: other } = await t.tenantWithTelegram("wc-other-bank");
    const site = "https://www.own-site.example";
    expect(await t.open(tenantId, site).refused).toBe(403);

    const bad = await t.hub.adminRequest(`/api/admin/tenants/${tenantId}`, {
      method: "PATCH",
      json: { webchatOrigins: [site, "https://www.own-site.example/chat"] },
    });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("webchatOrigins");
    const set = await t.hub.adminRequest(`/api/admin/tenants/${tenantId}`, {
      method: "PATCH",
      json: { webchatOrigins: [`${site}/`, site] },
    });
    expect(set.status).toBe(200);
    expect(((await set.json()) as { data: { webchatOrigins: string[] } }).data.webchatOrigins).toEqual([
      site,
    ]);

    const chat = t.open(tenantId, site);
    await chat.opened;
    expect((await chat.ofType("ready")).type).toBe("ready");
    chat.ws.close();
    // Another bank's chat is not embeddable on this site, nor is an unknown tenant named to it.
    expect(await t.open(other, site).refused).toBe(403);
    expect(await t.open("ten_0000000000000000000000000000dead", site).refused).toBe(403);

    await t.hub.adminRequest(`/api/admin/tenants/${tenantId}`, {
      method: "PATCH",
      json: { webchatOrigins: [] },
    });
    expect(await t.open(tenantId, site).refused).toBe(403);
  });

  it("a page of an origin WEBCHAT_ALLOWED_ORIGINS does not list, or no Origin at all, is refused with 403", async () => {
    const { tenantId } = await t.tenantWithTelegram("wc-origin");
    expect(await t.open(tenantId, "https://evil.example").refused).toBe(403);
    expect(await t.open(tenantId, null).refused).toBe(403);
    // The hub's own pages (the demo page) always may.
    const own = t.open(tenantId, t.httpBase);
    await own.opened;
    expect((await own.ofType("ready")).type).toBe("ready");
    own.ws.close();
  });

  it("an unknown tenant is 404; the route asked for without the upgrade is 426 in the API's error shape", async () => {
    expect(await t.open("ten_nobody").refused).toBe(404);
    const { tenantId } = await t.tenantWithTelegram("wc-plain");
    const res = await fetch(`${t.httpBase}/api/webchat/${tenantId}/socket`);
    expect(res.status).toBe(426);
    expect(res.headers.get("upgrade")).toBe("websocket");
    expect(await res.json()).toMatchObject({ error: { code: "UPGRADE_REQUIRED" } });
    expect((await fetch(`${t.httpBase}/api/webchat/ten_nobody/socket`)).status).toBe(404);
  });
});

describe("web chat: the widget and the demo page", () => {
  it("the socket is in the OpenAPI document: its upgrade, its refusals, the frames both ways", async () => {
    // biome-ignore lint/suspicious/noExplicitAny: the test reads the served document.
    const doc = (await (await t.hub.request("/openapi.json")).json()) as any;
    const socket = doc.paths["/api/webchat/{tenantId}/socket"].get;
    expect(Object.keys(socket.responses).sort()).toEqual(["101", "403", "404", "426"]);
    expect(socket.description).toContain("WEBCHAT_MAX_MESSAGE_BYTES");
    expect(doc.components.schemas).toHaveProperty("WebChatClientFrame");
    expect(doc.components.schemas).toHaveProperty("WebChatServerFrame");
    expect(doc.paths).toHaveProperty(["/webchat/widget.js"]);
    expect(doc.paths).toHaveProperty(["/webchat/demo"]);
  });

  it("serves the widget script and a demo page that embeds it with one script tag", async () => {
    const { tenantId } = await t.tenantWithTelegram("wc-demo");
    const script = await fetch(`${t.httpBase}/webchat/widget.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(await script.text()).toContain("/api/webchat/");
    const page = await fetch(`${t.httpBase}/webchat/demo?tenant=${tenantId}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(
      `<script src="/webchat/widget.js" data-tenant="${tenantId}" defer></script>`,
    );
    expect((await fetch(`${t.httpBase}/webchat/demo?tenant=wc-nobody`)).status).toBe(404);
    const missing = await fetch(`${t.httpBase}/webchat/demo`);
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ error: { fields: { tenant: expect.any(String) } } });
  });
});
