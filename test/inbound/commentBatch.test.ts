import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rowsOf } from "../../src/db/client.js";
import { comments, events, inboundMessages } from "../../src/db/schema/index.js";
import { plainCommentLane } from "../../src/inbound/commentBatch.js";
import { type InboundHub, inboundHub, textMessage } from "./support.js";

let t: InboundHub;

beforeAll(async () => {
  t = await inboundHub();
});

afterAll(async () => {
  await t.close();
});

// Comments of many customers arriving at once go through the router's plain-comment lane in
// batches; what they leave must be what the single way leaves, in each conversation's order.
describe("customers writing again all at once", () => {
  it("each message becomes its customer's comment, in the order sent, with its event", async () => {
    const { tenantId } = await t.tenantWithTelegram("comment-batch");
    const chats = Array.from({ length: 12 }, (_, i) => 6_100_000 + i);
    for (const chatId of chats) {
      await t.postUpdate(tenantId, textMessage(chatId, 1, "Saya tidak bisa login", { first_name: "Rina" }));
      await t.routed(tenantId, chatId, 1);
    }

    // Three more from each customer, one after the other, all customers at once, stored while the
    // router is stopped: its jobs then find every conversation with three messages waiting.
    await t.stopRouterWorkers();
    const later = [2, 3, 4];
    const posts = chats.flatMap((chatId) => later.map((n) => ({ chatId, n })));
    const statuses = await Promise.all(
      chats.map(async (chatId) => {
        const sent: number[] = [];
        for (const n of later) {
          const res = await t.postUpdate(
            tenantId,
            textMessage(chatId, n, `pesan ${n}`, { first_name: "Rina" }),
          );
          sent.push(res.status);
        }
        return sent;
      }),
    );
    expect(statuses.flat().every((s) => s === 200)).toBe(true);
    t.startRouterWorkers();
    const summaries = await Promise.all(posts.map((p) => t.routed(tenantId, p.chatId, p.n)));
    for (const summary of summaries) expect(summary).toMatchObject({ status: "routed" });

    const stored = await t.storedMessages(tenantId);
    expect(stored.filter((m) => m.status !== "routed")).toEqual([]);
    expect(stored.filter((m) => m.outcome === "ticket_created")).toHaveLength(chats.length);
    const commented = stored.filter((m) => m.outcome === "comment_added");
    expect(commented).toHaveLength(chats.length * later.length);

    for (const chatId of chats) {
      const thread = stored.filter((m) => m.threadRef === String(chatId));
      const ticketIds = new Set(thread.map((m) => m.ticketId));
      expect(ticketIds.size).toBe(1);
      const [ticketId] = [...ticketIds];
      const onTicket = await t.hub.db
        .select({ content: comments.content, authorType: comments.authorType, id: comments.id })
        .from(comments)
        .where(eq(comments.ticketId, ticketId as string))
        .orderBy(asc(comments.createdAt), asc(comments.id));
      expect(onTicket.map((c) => c.content)).toEqual(["pesan 2", "pesan 3", "pesan 4"]);
      expect(onTicket.every((c) => c.authorType === "customer")).toBe(true);
      // Routed in the order sent: each later message after the one before it.
      const routedAt = later.map(
        (n) => thread.find((m) => m.text === `pesan ${n}`)?.routedAt?.getTime() ?? 0,
      );
      expect([...routedAt].sort((a, b) => a - b)).toEqual(routedAt);
      const added = await t.hub.db
        .select({ payload: events.payload })
        .from(events)
        .where(
          and(
            eq(events.tenantId, tenantId),
            eq(events.type, "COMMENT_ADDED"),
            inArray(events.subjectId, [ticketId as string]),
          ),
        );
      expect(added.map((e) => e.payload.commentId).sort()).toEqual(onTicket.map((c) => c.id).sort());
    }
    // Nothing was acknowledged for a comment: only the tickets' acknowledgements wait to go out.
    const waiting = await t.hub.db
      .select({ id: inboundMessages.id })
      .from(inboundMessages)
      .where(and(eq(inboundMessages.tenantId, tenantId), eq(inboundMessages.status, "received")));
    expect(waiting).toEqual([]);
  });

  it("a job takes its thread's messages waiting before it, in order, in its batch; a file stops the thread there", async () => {
    const { tenantId } = await t.tenantWithTelegram("comment-batch-thread");
    const chatId = 6_200_001;
    const other = 6_200_002;
    for (const c of [chatId, other]) {
      await t.postUpdate(tenantId, textMessage(c, 1, "Saya tidak bisa login", { first_name: "Rina" }));
      await t.routed(tenantId, c, 1);
    }
    await t.stopRouterWorkers();
    for (const n of [2, 3, 4])
      await t.postUpdate(tenantId, textMessage(chatId, n, `pesan ${n}`, { first_name: "Rina" }));
    // On the other chat a photo comes second: it, and what follows it, wait for the single way.
    await t.postUpdate(tenantId, textMessage(other, 2, "pesan 2", { first_name: "Rina" }));
    await t.postUpdate(tenantId, {
      update_id: 990_001,
      message: {
        message_id: 3,
        date: Math.floor(Date.now() / 1000),
        chat: { id: other, type: "private" },
        from: { id: other, is_bot: false, first_name: "Rina" },
        photo: [{ file_id: "photo-1", file_unique_id: "u1", width: 10, height: 10 }],
      },
    });
    await t.postUpdate(tenantId, textMessage(other, 4, "pesan 4", { first_name: "Rina" }));
    const waiting = await t.storedMessages(tenantId);
    const idOf = (c: number, n: number) =>
      waiting.find((m) => m.threadRef === String(c) && m.providerMessageId === `${c}:${n}`)?.id as string;

    // Only the last message of each chat has a job in this batch.
    const lane = plainCommentLane(t.hub.inbound.router, { maxRows: 50, maxInFlight: 1 });
    const holder = lane("inm_none");
    const answers = Promise.all([lane(idOf(chatId, 4)), lane(idOf(other, 4))]);
    await holder;
    expect(await answers).toEqual([true, false]);

    const after = await t.storedMessages(tenantId);
    const statusOf = (c: number, n: number) => after.find((m) => m.id === idOf(c, n))?.status;
    expect([2, 3, 4].map((n) => statusOf(chatId, n))).toEqual(["routed", "routed", "routed"]);
    expect([2, 3, 4].map((n) => statusOf(other, n))).toEqual(["routed", "received", "received"]);
    const ticketId = after.find((m) => m.id === idOf(chatId, 4))?.ticketId as string;
    const onTicket = rowsOf<{ content: string; writer: string }>(
      await t.hub.db.execute(
        sql`SELECT content, xmin::text AS writer FROM ticket_comments WHERE ticket_id = ${ticketId} ORDER BY created_at, id`,
      ),
    );
    expect(onTicket.map((c) => c.content)).toEqual(["pesan 2", "pesan 3", "pesan 4"]);
    expect(new Set(onTicket.map((c) => c.writer)).size).toBe(1);
  });
});
