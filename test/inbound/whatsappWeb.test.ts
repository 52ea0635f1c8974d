import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChannelAccount, OutboundMessage } from "../../connectors/contract.js";
import { startWhatsAppWebGateway, type WhatsAppWebGateway } from "../../connectors/whatsapp/webGateway.js";
import { type RemoteWebClients, remoteWebClients } from "../../connectors/whatsapp/webRemote.js";
import { whatsappWebSender } from "../../connectors/whatsapp/webSender.js";
import { webSessionStatusStore } from "../../connectors/whatsapp/webSessionState.js";
import { enqueueInbound } from "../../queues/handlers/inbound.js";
import { acceptInbound } from "../../src/inbound/intake.js";
import { conversationReceipts } from "../../src/inbound/receipts.js";
import { createLogger } from "../../src/logger.js";
import { senderDeps } from "../connectors/senderDeps.js";
import { testRedisUrl } from "../support/env.js";
import { FakeWhatsAppWebClient, incomingMessage } from "../support/fakes/whatsappWebClient.js";
import { type InboundHub, inboundHub } from "./support.js";

let t: InboundHub;
const gateways: WhatsAppWebGateway[] = [];
const connections: Redis[] = [];

let remote: RemoteWebClients;

beforeAll(async () => {
  // The hub's workers hold no session, as in a deployment with ROLE=worker and ROLE=gateway apart:
  // they send through whichever test gateway holds the tenant's session, over Redis.
  t = await inboundHub({}, { whatsappWebClient: (id) => remote.clientFor(id) });
  const publisher = new Redis(testRedisUrl);
  const subscriber = new Redis(testRedisUrl);
  connections.push(publisher, subscriber);
  remote = await remoteWebClients({ subscriber, publisher, prefix: t.hub.prefix, timeoutMs: 2000 });
});

afterAll(async () => {
  await remote?.close();
  await Promise.all(gateways.map((g) => g.stop()));
  for (const c of connections) c.disconnect();
  await t.close();
});

/**
 * A gateway process's whatsapp-web.js sessions for the given tenants, each client a fake the test
 * plays WhatsApp Web through (`clients` in the order the gateway built them).
 */
function gateway(tenantIds: readonly string[]) {
  const redis = new Redis(testRedisUrl);
  const subscriber = new Redis(testRedisUrl);
  connections.push(redis, subscriber);
  const clients: FakeWhatsAppWebClient[] = [];
  const running = startWhatsAppWebGateway({
    redis,
    subscriber,
    keyPrefix: t.hub.prefix,
    tenants: async () => tenantIds,
    statuses: webSessionStatusStore(redis, t.hub.prefix),
    session: {
      createClient: () => {
        const client = new FakeWhatsAppWebClient();
        for (const n of ["6281234567890", "6281355550000"]) client.registered.add(n);
        clients.push(client);
        return client;
      },
      intake: (messages) => acceptInbound(t.hub.db, enqueueInbound(t.hub.producer), messages),
      receipts: conversationReceipts(t.hub.db),
      blobs: t.hub.blobs,
      maxMediaBytes: t.hub.config.attachments.maxBytes,
      logger: createLogger({ level: "silent", pretty: false }),
      reconnectDelayMs: () => 20,
      now: () => new Date(),
    },
    logger: createLogger({ level: "silent", pretty: false }),
    leaseMs: 600,
    refreshMs: 50,
  });
  gateways.push(running);
  return { running, redis, clients, latest: () => clients.at(-1) as FakeWhatsAppWebClient };
}

/** A tenant (with the desk's agents) whose WhatsApp account is whatsapp-web.js. */
async function tenantWithWhatsAppWeb(slug: string) {
  const credentials = await t.tenantWithTelegram(slug);
  const res = await t.hub.adminRequest(`/api/admin/tenants/${credentials.tenantId}/channels/whatsapp`, {
    method: "PUT",
    json: { provider: "web", enabled: true, settings: {} },
  });
  if (res.status !== 201) throw new Error(`whatsapp account: ${res.status} ${await res.text()}`);
  return credentials;
}

const session = async (tenantId: string) => {
  const res = await t.hub.adminRequest(`/api/admin/tenants/${tenantId}/channels/whatsapp/session`);
  return { status: res.status, body: (await res.json()) as { data: Record<string, unknown> } };
};

describe("whatsapp-web.js in the gateway role", () => {
  it("shows the login QR, then turns messages into a ticket; replies go out through the session and its acks move them", async () => {
    const { tenantId, key } = await tenantWithWhatsAppWeb("waweb-flow");
    const g = gateway([tenantId]);
    await expect.poll(() => g.running.holding()).toEqual([tenantId]);
    expect(g.latest().initialized).toBe(1);

    g.latest().emit("qr", "2@ZmFrZS1xcg==,a2V5,c2VjcmV0");
    await expect
      .poll(async () => (await session(tenantId)).body.data)
      .toMatchObject({ state: "waiting_for_qr", held: true, qr: "2@ZmFrZS1xcg==,a2V5,c2VjcmV0" });
    g.latest().emit("authenticated");
    g.latest().emit("ready");
    await expect.poll(async () => (await session(tenantId)).body.data).toMatchObject({ state: "ready" });
    expect((await session(tenantId)).body.data.qr).toBeUndefined();
    const readiness = (await (await t.hub.request("/readyz")).json()) as { sessions: unknown };
    expect(readiness.sessions).toMatchObject({ whatsappWeb: { ready: 1 } });
    const metrics = await (await t.hub.request("/metrics")).text();
    expect(metrics).toContain(
      `switchboard_whatsapp_web_session_state{tenant_id="${tenantId}",state="ready"} 1`,
    );

    const first = incomingMessage({
      from: "6281234567890@c.us",
      body: "Saya tidak bisa login m-banking",
      pushname: "Budi Santoso",
    });
    g.latest().emit("message", first);
    await expect.poll(async () => (await t.storedMessages(tenantId)).length).toBe(1);
    expect(await t.routedOn(tenantId, "whatsapp", first.id._serialized)).toEqual({
      status: "routed",
      outcomes: ["ticket_created"],
    });
    const ticket = (await t.desk(key).get("/api/v1/desk/tickets?channel=WHATSAPP")).body.data[0];
    const detail = (await t.desk(key).get(`/api/v1/desk/tickets/${ticket.ticketNumber}`)).body.data;
    expect(detail.customer).toMatchObject({ name: "Budi Santoso", phone: "+6281234567890" });
    // The acknowledgement went out through the session's client.
    await expect.poll(() => g.latest().sent.length).toBe(1);
    expect(g.latest().sent[0]).toMatchObject({ chatId: "6281234567890@c.us" });
    expect(g.latest().sent[0]?.content).toContain(`*Tiket ${ticket.ticketNumber} diterima*`);

    // A picture: downloaded from the session (message.downloadMedia) and kept on the same ticket.
    const png =
      "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
    const picture = incomingMessage({
      from: "6281234567890@c.us",
      body: "Ini tangkapan layarnya",
      media: { mimetype: "image/png", data: png, filename: "layar.png" },
    });
    g.latest().emit("message", picture);
    await expect.poll(async () => (await t.storedMessages(tenantId)).length).toBe(2);
    expect(await t.routedOn(tenantId, "whatsapp", picture.id._serialized)).toEqual({
      status: "routed",
      outcomes: ["comment_added"],
    });

    await t.desk(key).post(`/api/v1/desk/tickets/${ticket.ticketNumber}/replies`, {
      content: "Silakan coba reset kata sandi dari aplikasi.",
      authorId: "usr_sari",
    });
    await t.relay();
    await expect
      .poll(() => g.latest().sent.map((s) => s.content))
      .toContain("Silakan coba reset kata sandi dari aplikasi.");
    const reply = g.latest().sent.find((s) => s.content.startsWith("Silakan coba"));
    const deliveryOf = async () => {
      const after = (await t.desk(key).get(`/api/v1/desk/tickets/${ticket.ticketNumber}`)).body.data;
      return { delivery: after.comments.at(-1)?.delivery, attachments: after.attachments };
    };
    await expect.poll(async () => (await deliveryOf()).delivery?.status).toBe("sent");
    g.latest().emit("message_ack", FakeWhatsAppWebClient.ownMessage(reply?.id ?? ""), 3);
    await expect
      .poll(async () => (await deliveryOf()).delivery)
      .toMatchObject({ channel: "WHATSAPP", status: "read" });
    expect((await deliveryOf()).attachments).toMatchObject([{ mimeType: "image/png" }]);
  });

  it("sends from a process without the session through the gateway holding it; with no holder the send is transient at once", async () => {
    const { tenantId } = await tenantWithWhatsAppWeb("waweb-remote");
    const account: ChannelAccount<"whatsapp"> = {
      tenantId,
      channel: "whatsapp",
      provider: "web",
      enabled: true,
      updatedAt: new Date(),
      settings: {},
    };
    const sender = whatsappWebSender(
      account,
      senderDeps({ whatsappWebClient: (id) => remote.clientFor(id) }),
    );
    const message = (to: string): OutboundMessage<"whatsapp"> => ({
      deliveryId: "dlv_remote",
      tenantId,
      to,
      content: { channel: "whatsapp", kind: "text", text: "Halo dari agen" },
    });
    const reasonOf = async (to: string) => {
      const result = await sender.send(message(to));
      return "reason" in result ? result.reason : result.outcome;
    };
    expect(await sender.send(message("+62 813-5555-0000"))).toEqual({
      outcome: "transient",
      reason: "whatsapp-web: no gateway holds the session",
    });

    const g = gateway([tenantId]);
    await expect.poll(() => g.clients.length).toBe(1);
    // Held but not ready yet: the holder says so.
    await expect.poll(() => reasonOf("+6281355550000")).toBe("whatsapp-web: the session is not ready");
    g.latest().emit("ready");
    await expect.poll(() => g.running.clientFor(tenantId)).toBe(g.latest());
    const sent = await sender.send(message("+62 813-5555-0000"));
    expect(g.latest().sent).toEqual([
      { chatId: "6281355550000@c.us", content: "Halo dari agen", id: expect.any(String) },
    ]);
    expect(sent).toEqual({ outcome: "sent", providerMessageId: g.latest().sent[0]?.id });
    expect(await sender.send(message("+6289999"))).toEqual({
      outcome: "permanent",
      reason: "whatsapp-web: the number is not on WhatsApp",
    });

    await g.running.stop();
    expect(await reasonOf("+6281355550000")).toBe("whatsapp-web: no gateway holds the session");
  });

  it("reconnects with backoff when WhatsApp Web disconnects: the client is destroyed and a new one started; stopping clears the state", async () => {
    const { tenantId } = await tenantWithWhatsAppWeb("waweb-reconnect");
    const g = gateway([tenantId]);
    await expect.poll(() => g.clients.length).toBe(1);
    const first = g.latest();
    first.emit("ready");
    await expect.poll(() => g.running.clientFor(tenantId)).toBe(first);
    first.emit("disconnected", "NAVIGATION");
    expect(g.running.clientFor(tenantId)).toBeUndefined();
    expect(first.destroyed).toBe(true);
    await expect.poll(() => g.clients.length).toBe(2);
    expect(g.latest().initialized).toBe(1);
    await expect.poll(async () => (await session(tenantId)).body.data).toMatchObject({ state: "starting" });
    g.latest().emit("ready");
    await expect.poll(() => g.running.clientFor(tenantId)).toBe(g.latest());
    // A gateway that stops takes its published state with it: nobody holds the session now.
    await g.running.stop();
    expect((await session(tenantId)).body.data).toEqual({ state: "disconnected", held: false });
  });

  it("two gateways: one holds the session, the other takes it over when the first stops", async () => {
    const { tenantId } = await tenantWithWhatsAppWeb("waweb-election");
    const one = gateway([tenantId]);
    const two = gateway([tenantId]);
    await expect.poll(() => [...one.running.holding(), ...two.running.holding()]).toEqual([tenantId]);
    const [holder, standby] = one.running.holding().length > 0 ? [one, two] : [two, one];
    // The standby keeps trying, and never starts a browser while the lease is held.
    await expect.poll(() => holder.latest().initialized).toBe(1);
    expect(standby.clients).toHaveLength(0);

    await holder.running.stop();
    expect(holder.latest().destroyed).toBe(true);
    await expect.poll(() => standby.running.holding()).toEqual([tenantId]);
    standby.latest().emit("ready");
    await expect
      .poll(async () => (await session(tenantId)).body.data)
      .toMatchObject({ state: "ready", held: true });
    expect(standby.running.clientFor(tenantId)).toBe(standby.latest());
  });

  it("a holder that loses Redis stops its session, and a standby takes over once the lease lapses", async () => {
    const { tenantId } = await tenantWithWhatsAppWeb("waweb-lapse");
    const one = gateway([tenantId]);
    await expect.poll(() => one.running.holding()).toEqual([tenantId]);
    const two = gateway([tenantId]);
    // The holder's connection dies as with a crashed process: it renews nothing, releases nothing.
    one.redis.disconnect();
    await expect.poll(() => two.running.holding(), { timeout: 10_000 }).toEqual([tenantId]);
    await expect.poll(() => one.running.holding(), { timeout: 10_000 }).toEqual([]);
    expect(one.latest().destroyed).toBe(true);
  });

  it("the session route names a tenant without a whatsapp-web account (409) and an unknown tenant (404)", async () => {
    const { tenantId } = await t.tenantWithTelegram("waweb-none");
    expect((await session(tenantId)).status).toBe(409);
    expect((await session("ten_0000000000000000000000000000dead")).status).toBe(404);
    const { tenantId: idle } = await tenantWithWhatsAppWeb("waweb-idle");
    expect((await session(idle)).body.data).toEqual({ state: "disconnected", held: false });
  });
});
