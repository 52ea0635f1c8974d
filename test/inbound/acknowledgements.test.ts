import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { outboundMessages } from "../../src/db/schema/index.js";
import { bearer } from "../support/testHub.js";
import { type InboundHub, inboundHub, textMessage } from "./support.js";

let t: InboundHub;

beforeAll(async () => {
  t = await inboundHub();
});

afterAll(async () => {
  await t.close();
});

/** A key with the admin scope for the tenant: templates are the tenant's to edit. */
async function adminKey(tenantId: string): Promise<string> {
  const res = await t.hub.adminRequest("/api/admin/api-keys", {
    method: "POST",
    json: { tenantId, name: "templates", scopes: ["admin"] },
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { data: { key: string } }).data.key;
}

async function templates(key: string, method: string, path: string, body?: unknown) {
  const res = await t.hub.request(`/api/v1/admin/templates${path}`, {
    method,
    headers: { ...bearer(key), ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? null : JSON.stringify(body),
  });
  return res.status;
}

/** A version of TICKET_CREATED with one variant, in Indonesian: Telegram's unless another is named. */
const ticketCreated = (text: string, channel = "telegram") => ({
  description: "The tenant's own acknowledgement",
  variables: [
    { name: "ticketNumber", required: true },
    { name: "customerName", required: false },
  ],
  variants: [{ channel, locale: "id", fields: { text } }],
});

/** The customer's first message on a chat; resolves with what the bot answered. */
async function firstMessage(tenantId: string, chatId: number, text: string) {
  await t.postUpdate(tenantId, textMessage(chatId, 1, text, { first_name: "Rina", last_name: "Wijaya" }));
  await t.routed(tenantId, chatId, 1);
  return t.bot.waitForSent((m) => m.chat_id === String(chatId));
}

describe("acknowledgements from the tenant's templates", () => {
  it("the tenant's own TICKET_CREATED is what the customer reads, as its channel's variant says", async () => {
    const { tenantId, key } = await t.tenantWithTelegram("ack-own");
    const admin = await adminKey(tenantId);
    expect(
      await templates(
        admin,
        "PUT",
        "/TICKET_CREATED",
        ticketCreated("Halo {{ customerName }}, tiket <i>{{ ticketNumber }}</i> sudah dicatat. Bank Kita."),
      ),
    ).toBe(200);

    const ack = await firstMessage(tenantId, 710001, "Tidak bisa login ke aplikasi <script>");
    const [ticket] = (await t.desk(key).get("/api/v1/desk/tickets?channel=TELEGRAM")).body.data;
    expect(ack).toMatchObject({
      parse_mode: "HTML",
      text: `Halo Rina Wijaya, tiket <i>${ticket.ticketNumber}</i> sudah dicatat. Bank Kita.`,
    });
    // The record keeps what the customer read, as plain text, and the content as sent.
    const record = async () =>
      (
        await t.hub.db
          .select({
            text: outboundMessages.text,
            content: outboundMessages.content,
            status: outboundMessages.status,
          })
          .from(outboundMessages)
          .where(eq(outboundMessages.tenantId, tenantId))
      )[0];
    await expect.poll(record).toEqual({
      text: `Halo Rina Wijaya, tiket ${ticket.ticketNumber} sudah dicatat. Bank Kita.`,
      content: { channel: "telegram", parseMode: "HTML", text: ack.text },
      status: "sent",
    });
  });

  it("a name from the channel is escaped for Telegram's HTML", async () => {
    const { tenantId } = await t.tenantWithTelegram("ack-escape");
    const admin = await adminKey(tenantId);
    await templates(
      admin,
      "PUT",
      "/TICKET_CREATED",
      ticketCreated("Halo {{ customerName }}: {{ ticketNumber }}"),
    );
    await t.postUpdate(
      tenantId,
      textMessage(710002, 1, "Mau tanya saldo", { first_name: "<b>Joko</b>", last_name: "&" }),
    );
    await t.routed(tenantId, 710002, 1);
    const ack = await t.bot.waitForSent((m) => m.chat_id === "710002");
    expect(ack.text).toMatch(/^Halo &lt;b&gt;Joko&lt;\/b&gt; &amp;: \d+$/);
  });

  it("an archived template, or one with no variant for the channel, leaves the router's own text", async () => {
    const archived = await t.tenantWithTelegram("ack-archived");
    expect(await templates(await adminKey(archived.tenantId), "POST", "/TICKET_CREATED/archive")).toBe(200);
    const fromArchived = await firstMessage(archived.tenantId, 710003, "Tidak bisa login");
    const [first] = (await t.desk(archived.key).get("/api/v1/desk/tickets?channel=TELEGRAM")).body.data;
    expect(fromArchived.text).toBe(
      `Terima kasih, pesan Anda sudah kami terima dengan nomor tiket #${first.ticketNumber}. Petugas kami akan membalas di sini.`,
    );
    expect(fromArchived.parse_mode).toBeUndefined();

    const smsOnly = await t.tenantWithTelegram("ack-sms-only");
    await templates(
      await adminKey(smsOnly.tenantId),
      "PUT",
      "/TICKET_CREATED",
      ticketCreated("Tiket {{ ticketNumber }}", "sms"),
    );
    const fromSmsOnly = await firstMessage(smsOnly.tenantId, 710004, "Tidak bisa login");
    expect(fromSmsOnly.text).toMatch(/^Terima kasih, pesan Anda sudah kami terima dengan nomor tiket #\d+\./);
  });

  it("an edit of the template applies to the next ticket, in every worker, at once", async () => {
    const { tenantId } = await t.tenantWithTelegram("ack-edit");
    const admin = await adminKey(tenantId);
    await templates(admin, "PUT", "/TICKET_CREATED", ticketCreated("Satu: {{ ticketNumber }}"));
    expect((await firstMessage(tenantId, 710005, "Tidak bisa login")).text).toMatch(/^Satu: \d+$/);
    await templates(admin, "PUT", "/TICKET_CREATED", ticketCreated("Dua: {{ ticketNumber }}"));
    expect((await firstMessage(tenantId, 710006, "Tidak bisa login")).text).toMatch(/^Dua: \d+$/);
  });
});
