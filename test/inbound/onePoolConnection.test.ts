import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inboundMessages } from "../../src/db/schema/index.js";
import { type InboundHub, inboundHub, textMessage } from "./support.js";

let t: InboundHub;

// One connection in the pool: the router's transaction holds it, so anything the router reads from
// the pool instead of its transaction waits for a connection that never frees up (until the pool's
// connection timeout fails the message). With as many router workers as connections, a production
// hub hit the same wall each time a tenant's cached settings expired.
beforeAll(async () => {
  t = await inboundHub({ DATABASE_POOL_SIZE: "1" });
});

afterAll(async () => {
  await t.close();
});

describe("the router on a pool of one connection", () => {
  it("opens a ticket on cold settings and adds the next message to it, reading only through its transaction", async () => {
    const { tenantId } = await t.tenantWithTelegram("one-connection");
    const chatId = 5551001;
    await t.postUpdate(tenantId, textMessage(chatId, 1, "Saya tidak bisa login", { first_name: "Rina" }));
    await t.routed(tenantId, chatId, 1);
    await t.postUpdate(tenantId, textMessage(chatId, 2, "Mohon dibantu", { first_name: "Rina" }));
    await t.routed(tenantId, chatId, 2);
    const stored = await t.hub.db
      .select({ outcome: inboundMessages.outcome, ticketId: inboundMessages.ticketId })
      .from(inboundMessages)
      .where(eq(inboundMessages.tenantId, tenantId));
    expect(stored.map((m) => m.outcome).sort()).toEqual(["comment_added", "ticket_created"]);
    expect(new Set(stored.map((m) => m.ticketId)).size).toBe(1);
  });
});
