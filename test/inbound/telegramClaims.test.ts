import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { conversations, events } from "../../src/db/schema/index.js";
import { claimRequestSchema } from "../../src/serviceDesk/schemas.js";
import { type InboundHub, inboundHub, textMessage } from "./support.js";

let t: InboundHub;

beforeAll(async () => {
  t = await inboundHub();
});

afterAll(async () => {
  await t.close();
});

/** The customer sends `text` as message `n` of the chat; resolves with the bot's answer to it. */
async function say(tenantId: string, chatId: number, n: number, text: string): Promise<string> {
  const before = t.bot.sent().filter((m) => m.chat_id === String(chatId)).length;
  await t.postUpdate(tenantId, textMessage(chatId, n, text, { first_name: "Ahmad", last_name: "Suryanto" }));
  await t.routed(tenantId, chatId, n);
  const answers = () => t.bot.sent().filter((m) => m.chat_id === String(chatId));
  await expect.poll(() => answers().length).toBeGreaterThan(before);
  return String(answers().at(-1)?.text);
}

describe("claims by chat on Telegram", () => {
  it("a claim dialogue ends in a claim that passes the service desk's validation", async () => {
    const { tenantId, key } = await t.tenantWithTelegram("tg-claim");
    const chat = 700500;
    expect(await say(tenantId, chat, 1, "ATM tidak mengeluarkan uang tetapi saldo terpotong")).toMatch(
      /klaim transaksi[\s\S]*media apa/,
    );
    expect(await say(tenantId, chat, 2, "atm")).toMatch(/jenis transaksinya/);
    expect(await say(tenantId, chat, 3, "2")).toMatch(/nominal/);
    expect(await say(tenantId, chat, 4, "Rp 2.000.000.000")).toMatch(/Nominal must not exceed 1,000,000,000/);
    expect(await say(tenantId, chat, 5, "Rp 150.000")).toMatch(/Kapan/);
    expect(await say(tenantId, chat, 6, "19/12/2024")).toMatch(/4 digit terakhir/);
    // A full card number: masked before it is stored, kept as its last four digits, with a warning.
    const afterCard = await say(tenantId, chat, 7, "4111 1111 1111 1111");
    expect(afterCard).toMatch(/jangan pernah mengirim nomor kartu lengkap[\s\S]*Kartu: \*\*\*\*1111/);
    expect(await say(tenantId, chat, 8, "UBAH NOMINAL")).toMatch(/nominal/);
    expect(await say(tenantId, chat, 9, "175000")).toMatch(/Nominal: Rp\s175\.000/);
    const filed = await say(tenantId, chat, 10, "YA");
    // The tenant's CLAIM_RECEIVED template (here the default), with what the claim says.
    const number = /<b>Klaim (\d+) diterima<\/b>/.exec(filed)?.[1];
    expect(filed).toMatch(/Klaim Anda atas transaksi ATM sebesar Rp\s175\.000 tercatat dengan nomor \d+\./);
    expect(number).toBeDefined();

    // The claim as the service desk shows it.
    const detail = (await t.desk(key).get(`/api/v1/desk/tickets/${number}`)).body.data;
    expect(detail).toMatchObject({
      serviceType: "CLAIM",
      channel: "TELEGRAM",
      title: "KLAIM - OMNI - ATM - PEMBAYARAN",
      priority: "MEDIUM",
      customer: { name: "Ahmad Suryanto" },
      claim: {
        namaNasabah: "Ahmad Suryanto",
        mediaTransaksi: "ATM",
        jenisTransaksi: "PEMBAYARAN",
        nominal: 175_000,
        nomorKartuMasked: "****1111",
        claimReason: "ATM tidak mengeluarkan uang tetapi saldo terpotong",
        claimDate: "2024-12-19T00:00:00.000Z",
      },
    });
    // What was stored, sent back through the service desk's own claim schema, passes it.
    const { claim } = detail;
    const asRequest = {
      namaNasabah: claim.namaNasabah,
      mediaTransaksi: claim.mediaTransaksi,
      jenisTransaksi: claim.jenisTransaksi,
      nominal: claim.nominal,
      nomorKartu: claim.nomorKartuMasked,
      claimReason: claim.claimReason,
      claimDate: claim.claimDate,
      channel: detail.channel,
    };
    expect(claimRequestSchema.safeParse(asRequest).success).toBe(true);
    // Partners see it through the service desk API too.
    const partner = await t.hub.request(`/api/omnichannel/tickets/${number}`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(partner.status).toBe(200);

    // No full card number anywhere the hub stored the conversation.
    const raw = JSON.stringify(await t.storedMessages(tenantId));
    expect(raw).not.toContain("4111 1111 1111 1111");
    expect(raw).not.toContain("4111111111111111");

    // Each step is on the customer's timeline: started, answered (8 times: refusals and corrections count), completed, the claim.
    const timeline = await t.hub.db
      .select({ type: events.type })
      .from(events)
      .where(and(eq(events.tenantId, tenantId), eq(events.customerId, detail.customer.id)));
    const types = timeline.map((e) => e.type);
    expect(types.filter((x) => x === "conversation.claim_dialogue.answered")).toHaveLength(8);
    expect(types).toEqual(
      expect.arrayContaining([
        "customer.created",
        "conversation.claim_dialogue.started",
        "conversation.claim_dialogue.completed",
        "TICKET_CREATED",
        "conversation.message.sent",
      ]),
    );
  });

  it("a dialogue survives a restart of the workers: its state is in PostgreSQL", async () => {
    const { tenantId, key } = await t.tenantWithTelegram("tg-claim-restart");
    const chat = 700501;
    await say(tenantId, chat, 1, "mau klaim, saldo terpotong");
    await say(tenantId, chat, 2, "QRIS");
    await say(tenantId, chat, 3, "50000");

    await t.stopRouterWorkers();
    await t.postUpdate(tenantId, textMessage(chat, 4, "kemarin"));
    const [stored] = await t.hub.db
      .select({ dialogue: conversations.dialogue })
      .from(conversations)
      .where(eq(conversations.tenantId, tenantId));
    expect(stored?.dialogue?.step).toBe("claimDate");
    t.startRouterWorkers();

    await t.routed(tenantId, chat, 4);
    // One question in answer to each of the four messages, the last after the restart.
    await expect.poll(() => t.bot.sent().filter((m) => m.chat_id === String(chat)).length).toBe(4);
    expect(await say(tenantId, chat, 5, "lewati")).toMatch(/Mohon periksa data klaim/);
    const filed = await say(tenantId, chat, 6, "ya");
    const number = /<b>Klaim (\d+) diterima<\/b>/.exec(filed)?.[1];
    const detail = (await t.desk(key).get(`/api/v1/desk/tickets/${number}`)).body.data;
    expect(detail.claim).toMatchObject({
      mediaTransaksi: "QRIS",
      jenisTransaksi: null,
      nominal: 50_000,
      nomorKartuMasked: null,
    });
  });

  it("BATAL cancels: no claim, and the next message starts afresh", async () => {
    const { tenantId, key } = await t.tenantWithTelegram("tg-claim-cancel");
    const chat = 700502;
    await say(tenantId, chat, 1, "klaim");
    expect(await say(tenantId, chat, 2, "batal")).toMatch(/dibatalkan/);
    expect((await t.desk(key).get("/api/v1/desk/tickets")).body.data).toHaveLength(0);
    expect(await say(tenantId, chat, 3, "Selamat siang, mau tanya jam buka cabang")).toMatch(/nomor tiket/);
    const tickets = (await t.desk(key).get("/api/v1/desk/tickets")).body.data;
    expect(tickets).toHaveLength(1);
    expect(tickets[0].serviceType).toBe("GENERAL_REQUEST");
  });

  it("a tenant's own keyword rules decide what starts a claim", async () => {
    const { tenantId, key } = await t.tenantWithTelegram("tg-rules");
    const put = await t.hub.adminRequest(`/api/admin/tenants/${tenantId}/inbound/service-type-rules`, {
      method: "PUT",
      json: { rules: [{ serviceType: "CLAIM", keywords: ["dana hilang"] }], fallback: "INQUIRY" },
    });
    expect(put.status).toBe(200);
    expect(await say(tenantId, 700503, 1, "klaim saldo terpotong")).toMatch(/nomor tiket/);
    expect((await t.desk(key).get("/api/v1/desk/tickets")).body.data[0].serviceType).toBe("INQUIRY");
    expect(await say(tenantId, 700504, 1, "Dana hilang dari rekening")).toMatch(/klaim transaksi/);
  });
});

describe("reopening", () => {
  it("a message soon after the ticket was resolved reopens it, with the customer's comment", async () => {
    const { tenantId, key } = await t.tenantWithTelegram("tg-reopen");
    const chat = 700600;
    await say(tenantId, chat, 1, "Kartu kredit saya belum aktif");
    const ticket = (await t.desk(key).get("/api/v1/desk/tickets")).body.data[0];
    await t.desk(key).post(`/api/v1/desk/tickets/${ticket.ticketNumber}/status`, { status: "RESOLVED" });
    expect(await say(tenantId, chat, 2, "Masih belum aktif juga")).toMatch(
      new RegExp(`#${ticket.ticketNumber}`),
    );
    const detail = (await t.desk(key).get(`/api/v1/desk/tickets/${ticket.ticketNumber}`)).body.data;
    expect(detail.status).toBe("IN_PROGRESS");
    expect(detail.comments.at(-1)).toMatchObject({
      content: "Masih belum aktif juga",
      authorType: "customer",
    });
    expect((await t.desk(key).get("/api/v1/desk/tickets")).body.data).toHaveLength(1);
  });
});
