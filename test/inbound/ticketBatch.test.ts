import { randomBytes } from "node:crypto";
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rowsOf } from "../../src/db/client.js";
import {
  comments,
  conversations,
  conversationTickets,
  customers,
  events,
  inboundMessages,
  outboundMessages,
  tickets,
} from "../../src/db/schema/index.js";
import type { CustomerDirectory } from "../../src/inbound/identity/port.js";
import { newThreadLane } from "../../src/inbound/ticketBatch.js";
import { type InboundHub, inboundHub, textMessage } from "./support.js";

let t: InboundHub;

beforeAll(async () => {
  t = await inboundHub();
});

afterAll(async () => {
  await t.close();
});

/** An incoming SMS's parameters, as Twilio posts them. */
const sms = (from: string, body: string) => ({
  MessageSid: `SM${randomBytes(16).toString("hex")}`,
  AccountSid: t.twilioApi.accountSid,
  From: from,
  To: "+14155550100",
  Body: body,
  NumMedia: "0",
});

/** The stored messages' ids by (thread, text): what a job names. */
async function messageIds(tenantIds: readonly string[]) {
  const rows = await t.hub.db
    .select()
    .from(inboundMessages)
    .where(inArray(inboundMessages.tenantId, [...tenantIds]))
    .orderBy(asc(inboundMessages.createdAt), asc(inboundMessages.id));
  return rows;
}

/**
 * Every id through one lane batch: the lane runs one batch at a time here, and a first call that
 * names no message holds it while the others are added, so they all wait and go together.
 */
async function throughOneBatch(lane: ReturnType<typeof newThreadLane>, ids: readonly string[]) {
  const holder = lane("inm_none");
  const answers = ids.map((id) => lane(id));
  await holder;
  return Promise.all(answers);
}

// New customers' first messages arrive together under load: the router's new-thread lane opens
// their tickets in one transaction. What it leaves must be what the single way leaves, each
// customer with their own ticket, acknowledgement and comments, and nothing routed twice.
describe("new customers writing all at once", () => {
  it("each first message opens its customer's own ticket in one batch; what they wrote meanwhile becomes its comments", async () => {
    const telegram = await t.tenantWithTelegram("new-thread-batch-tg");
    const smsTenant = await t.tenantWithSms("new-thread-batch-sms");
    await t.stopRouterWorkers();
    const chats = [6_300_001, 6_300_002, 6_300_003, 6_300_004];
    // Two customers the bank knows already, by their chat id and by their phone number.
    const known: Record<string, { tenantId: string; id: string; kind: string }> = {
      [String(chats[3])]: { tenantId: telegram.tenantId, id: "cus_known_by_chat", kind: "telegram" },
      "+628129990002": { tenantId: smsTenant.tenantId, id: "cus_known_by_phone", kind: "phone" },
    };
    for (const [value, k] of Object.entries(known)) {
      await t.hub.db.execute(
        sql`INSERT INTO customers (id, tenant_id, name) VALUES (${k.id}, ${k.tenantId}, 'Nasabah Lama')`,
      );
      await t.hub.db.execute(
        sql`INSERT INTO customer_identities (id, tenant_id, customer_id, kind, value, verified)
          VALUES (${`idn_${k.id}`}, ${k.tenantId}, ${k.id}, ${k.kind}, ${value}, true)`,
      );
    }
    for (const chatId of chats) {
      for (const n of [1, 2, 3]) {
        const res = await t.postUpdate(
          telegram.tenantId,
          textMessage(chatId, n, n === 1 ? "Saya tidak bisa login" : `pesan ${n}`, { first_name: "Rina" }),
        );
        expect(res.status).toBe(200);
      }
    }
    // A claim starts a dialogue: the single way's, never the batch's.
    const claimChat = 6_300_009;
    await t.postUpdate(
      telegram.tenantId,
      textMessage(claimChat, 1, "ATM tidak mengeluarkan uang tetapi saldo terpotong", { first_name: "Rina" }),
    );
    const phones = ["+628129990001", "+628129990002"];
    const texts = phones.flatMap((phone) => [
      sms(phone, "Kartu debit saya terblokir"),
      sms(phone, "Mohon dibantu"),
    ]);
    for (const text of texts) expect((await t.postSms(smsTenant.tenantId, text)).status).toBe(200);

    const stored = await messageIds([telegram.tenantId, smsTenant.tenantId]);
    const lane = newThreadLane(t.hub.inbound.router, { maxRows: 50, maxInFlight: 1 });
    const answers = await throughOneBatch(
      lane,
      stored.map((m) => m.id),
    );
    const outcomeOf = new Map(stored.map((m, i) => [m.id, answers[i]]));
    const claim = stored.find((m) => m.threadRef === String(claimChat));
    expect(outcomeOf.get(claim?.id ?? "")).toBeUndefined();

    const routed = await messageIds([telegram.tenantId, smsTenant.tenantId]);
    const threads = [...chats.map(String), ...phones];
    for (const thread of threads) {
      const messages = routed.filter((m) => m.threadRef === thread);
      expect(messages.map((m) => [m.status, m.outcome])).toEqual([
        ["routed", "ticket_created"],
        ...messages.slice(1).map(() => ["routed", "comment_added"]),
      ]);
      for (const m of messages) expect(outcomeOf.get(m.id)).toBe(m.outcome);
      expect(new Set(messages.map((m) => m.ticketId)).size).toBe(1);
      const ticketId = messages[0]?.ticketId as string;
      const [conversation] = await t.hub.db
        .select()
        .from(conversations)
        .where(eq(conversations.id, messages[0]?.conversationId as string));
      expect(conversation).toMatchObject({
        ticketId,
        threadRef: thread,
        address: messages[0]?.senderAddress,
      });
      const [ticket] = await t.hub.db.select().from(tickets).where(eq(tickets.id, ticketId));
      expect(ticket).toMatchObject({
        customerId: conversation?.customerId,
        channelReferenceId: conversation?.id,
      });
      const [customer] = await t.hub.db
        .select()
        .from(customers)
        .where(eq(customers.id, conversation?.customerId as string));
      const knownOne = known[thread];
      if (knownOne) expect(customer).toMatchObject({ id: knownOne.id, name: "Nasabah Lama" });
      else expect(customer?.name).toBe(thread.startsWith("+") ? "Nasabah SMS" : "Rina");
      const onTicket = await t.hub.db
        .select({ content: comments.content, id: comments.id })
        .from(comments)
        .where(eq(comments.ticketId, ticketId))
        .orderBy(asc(comments.createdAt), asc(comments.id));
      expect(onTicket.map((c) => c.content)).toEqual(messages.slice(1).map((m) => m.text));
      const ticketEvents = await t.hub.db
        .select({ type: events.type, payload: events.payload })
        .from(events)
        .where(eq(events.subjectId, ticketId))
        .orderBy(asc(events.id));
      expect(ticketEvents.map((e) => e.type)).toEqual([
        "TICKET_CREATED",
        ...onTicket.map(() => "COMMENT_ADDED"),
      ]);
      const links = await t.hub.db
        .select()
        .from(conversationTickets)
        .where(eq(conversationTickets.ticketId, ticketId));
      expect(links).toHaveLength(1);
      const acks = await t.hub.db
        .select()
        .from(outboundMessages)
        .where(eq(outboundMessages.ticketId, ticketId));
      expect(acks.map((a) => [a.kind, a.toAddress])).toEqual([["acknowledgement", thread]]);
      expect(acks[0]?.text).toContain(`nomor tiket ${ticket?.number}.`);
    }
    // Every customer their own, and every ticket written by the one transaction of the batch.
    const ticketRows = rowsOf<{ customer_id: string; writer: string }>(
      await t.hub.db.execute(
        sql`SELECT customer_id, xmin::text AS writer FROM tickets WHERE tenant_id IN (${telegram.tenantId}, ${smsTenant.tenantId})`,
      ),
    );
    expect(ticketRows).toHaveLength(threads.length);
    expect(new Set(ticketRows.map((r) => r.customer_id)).size).toBe(threads.length);
    expect(new Set(ticketRows.map((r) => r.writer)).size).toBe(1);

    // The messages' own jobs run afterwards: they find them routed and write nothing more; the
    // claim goes the single way. Each customer is acknowledged once, on their channel.
    t.startRouterWorkers();
    for (const chatId of chats) {
      for (const n of [1, 2, 3])
        expect(await t.routed(telegram.tenantId, chatId, n)).toEqual({ status: "already_routed" });
    }
    for (const text of texts)
      expect(await t.routedSms(smsTenant.tenantId, text.MessageSid)).toEqual({ status: "already_routed" });
    expect(await t.routed(telegram.tenantId, claimChat, 1)).toEqual({
      status: "routed",
      outcomes: ["dialogue_started"],
    });
    for (const chatId of chats) await t.bot.waitForSent((m) => m.chat_id === String(chatId));
    for (const phone of phones) await t.twilioApi.waitForMessage((m) => m.To === phone);
    for (const chatId of chats)
      expect(t.bot.sent().filter((m) => m.chat_id === String(chatId))).toHaveLength(1);
    for (const phone of phones) expect(t.twilioApi.messages.filter((m) => m.To === phone)).toHaveLength(1);

    // A provider's redelivery stores nothing and opens nothing.
    const again = await t.postUpdate(
      telegram.tenantId,
      textMessage(chats[0] as number, 1, "Saya tidak bisa login"),
    );
    expect(await again.json()).toMatchObject({ stored: 0, duplicates: 1 });
    const after = await t.hub.db
      .select({ id: tickets.id })
      .from(tickets)
      .where(eq(tickets.tenantId, telegram.tenantId));
    // The claim's dialogue opens no ticket until it is filed.
    expect(after).toHaveLength(chats.length);
  });

  it("a batch that fails leaves nothing written, and its messages go the single way", async () => {
    const { tenantId } = await t.tenantWithTelegram("new-thread-batch-fails");
    await t.stopRouterWorkers();
    // The customers are resolved (the new ones written in the batch's transaction), then the
    // directory fails: the batch must leave none of them behind.
    const chats = [6_400_001, 6_400_002, 6_400_003];
    for (const chatId of chats)
      await t.postUpdate(tenantId, textMessage(chatId, 1, "Saya tidak bisa login", { first_name: "Rina" }));
    const real = t.hub.inbound.router.customers;
    const failing: CustomerDirectory = {
      resolve: (tx, tenant, contact, now) => real.resolve(tx, tenant, contact, now),
      resolveAll: async (tx, contacts, now) => {
        await real.resolveAll(tx, contacts, now);
        throw new Error("customer directory unavailable");
      },
    };
    const lane = newThreadLane(
      { ...t.hub.inbound.router, customers: failing },
      { maxRows: 50, maxInFlight: 1 },
    );
    const stored = await messageIds([tenantId]);
    expect(
      await throughOneBatch(
        lane,
        stored.map((m) => m.id),
      ),
    ).toEqual(stored.map(() => undefined));

    const waiting = await messageIds([tenantId]);
    expect(waiting.map((m) => m.status)).toEqual(chats.map(() => "received"));
    expect(await t.hub.db.select().from(customers).where(eq(customers.tenantId, tenantId))).toEqual([]);
    expect(await t.hub.db.select().from(conversations).where(eq(conversations.tenantId, tenantId))).toEqual(
      [],
    );
    expect(await t.hub.db.select().from(tickets).where(eq(tickets.tenantId, tenantId))).toEqual([]);
    expect(
      await t.hub.db
        .select()
        .from(events)
        .where(
          and(eq(events.tenantId, tenantId), inArray(events.type, ["customer.created", "TICKET_CREATED"])),
        ),
    ).toEqual([]);

    // The hub's own router then routes each one.
    t.startRouterWorkers();
    for (const chatId of chats)
      expect(await t.routed(tenantId, chatId, 1)).toEqual({ status: "routed", outcomes: ["ticket_created"] });
    const opened = await t.hub.db
      .select({ id: tickets.id })
      .from(tickets)
      .where(eq(tickets.tenantId, tenantId));
    expect(opened).toHaveLength(chats.length);
  });
});
