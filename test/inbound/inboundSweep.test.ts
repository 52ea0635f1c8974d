import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inboundSweepHandler } from "../../queues/handlers/inbound.js";
import { outboundMessages } from "../../src/db/schema/index.js";
import { routeWaiting } from "../../src/inbound/router.js";
import { type InboundHub, inboundHub, textMessage } from "./support.js";

let t: InboundHub;

beforeAll(async () => {
  t = await inboundHub({ INBOUND_SWEEP_INTERVAL_MS: "100" });
});

afterAll(async () => {
  await t.close();
});

describe("Redis losing the inbound queue's jobs", () => {
  it("the sweeper finds messages stored but never routed, and replies never sent, and queues them again", async () => {
    const { tenantId, key } = await t.tenantWithTelegram("tg-sweep");
    await t.stopRouterWorkers();
    expect((await t.postUpdate(tenantId, textMessage(700800, 1, "Halo, saya butuh bantuan"))).status).toBe(
      200,
    );
    // Redis loses everything queued so far.
    await t.hub.producer.queues.inbound.obliterate({ force: true });
    t.startRouterWorkers();

    const sweep = inboundSweepHandler({ db: t.hub.db, producer: t.hub.producer, strandedAfterMs: 100 });
    await expect.poll(async () => (await sweep()).requeued, { interval: 50 }).toBeGreaterThan(0);
    expect(await t.routed(tenantId, 700800, 1)).toEqual({ status: "routed", outcomes: ["ticket_created"] });
    const tickets = (await t.desk(key).get("/api/v1/desk/tickets")).body.data;
    expect(tickets).toHaveLength(1);
    // Once the message is routed and its acknowledgement marked sent, a sweep queues nothing.
    await expect
      .poll(async () =>
        (await t.hub.db.select({ status: outboundMessages.status }).from(outboundMessages)).map(
          (r) => r.status,
        ),
      )
      .toEqual(["sent"]);
    expect(await sweep()).toEqual({ requeued: 0 });
  });

  it("a backlog of many pages comes back in one sweep, not one page a tick", async () => {
    const { tenantId } = await t.tenantWithTelegram("tg-sweep-pages");
    await t.stopRouterWorkers();
    for (let i = 0; i < 12; i++)
      expect((await t.postUpdate(tenantId, textMessage(700900 + i, 1, `Halo ${i}`))).status).toBe(200);
    await t.hub.producer.queues.inbound.obliterate({ force: true });
    // Pages of 5 here (1,000 in the hub): the 12 lost jobs come back in one sweep of three pages.
    const sweep = inboundSweepHandler(
      { db: t.hub.db, producer: t.hub.producer, strandedAfterMs: 0 },
      { size: 5, max: 5 },
    );
    expect((await sweep()).requeued).toBeGreaterThanOrEqual(12);
    t.startRouterWorkers();
    for (let i = 0; i < 12; i++) expect((await t.routed(tenantId, 700900 + i, 1)).status).toBe("routed");
  });

  it("an acknowledgement whose send job Redis lost is sent once the sweeper queues it again", async () => {
    const { tenantId } = await t.tenantWithTelegram("tg-sweep-out");
    await t.stopRouterWorkers();
    await t.postUpdate(tenantId, textMessage(700801, 1, "Halo, mohon info saldo minimal"));
    const [message] = await t.storedMessages(tenantId);
    if (!message) throw new Error("not stored");
    // The router runs (as a worker would) and commits the acknowledgement; then Redis loses its job.
    await routeWaiting(t.hub.inbound.router, tenantId, message.id);
    await t.hub.producer.queues["conversation-outbound"].obliterate({ force: true });
    await t.hub.producer.queues.inbound.obliterate({ force: true });
    t.startRouterWorkers();

    const sweep = inboundSweepHandler({ db: t.hub.db, producer: t.hub.producer, strandedAfterMs: 100 });
    await expect.poll(async () => (await sweep()).requeued, { interval: 50 }).toBe(1);
    const ack = await t.bot.waitForSent((m) => m.chat_id === "700801");
    expect(ack.text).toMatch(/nomor tiket \d+/);
  });
});
