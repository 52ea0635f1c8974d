import { randomBytes } from "node:crypto";
import { createTransport, type SendMailOptions, type Transporter } from "nodemailer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { heldFileKey } from "../../connectors/email/files.js";
import type { EmailListener } from "../../connectors/email/listener.js";
import { enqueueInbound } from "../../queues/handlers/inbound.js";
import { startMailListener } from "../../src/inbound/wiring.js";
import { createLogger } from "../../src/logger.js";
import type { ReceivedMail } from "../support/fakes/smtpServer.js";
import { docExamples } from "../support/serviceDesk.js";
import { type InboundHub, inboundHub } from "./support.js";

let t: InboundHub;
let listener: EmailListener;
let client: Transporter;

/** The hub's SMTP listener as the gateway role starts it, on a free loopback port. */
const startListener = (maxBytes: number) =>
  startMailListener({
    settings: { host: "127.0.0.1", port: 0, maxBytes },
    db: t.hub.db,
    blobs: t.hub.blobs,
    enqueue: enqueueInbound(t.hub.producer),
    metrics: t.hub.metrics,
    logger: createLogger({ level: "silent", pretty: false }),
  });

/** A customer's mail program: nodemailer talking SMTP to the listener. */
const clientOf = (port: number) =>
  createTransport({ host: "127.0.0.1", port, secure: false, ignoreTLS: true });

beforeAll(async () => {
  t = await inboundHub();
  listener = await startListener(1024 * 1024);
  client = clientOf(listener.port);
});

afterAll(async () => {
  client.close();
  await listener.close();
  await t.close();
});

const newMessageId = () => `<${randomBytes(8).toString("hex")}@mail.customer.example>`;

/** Sends a customer's mail (with a Message-ID of its own unless given) and answers that id. */
async function send(mail: SendMailOptions & { messageId?: string }): Promise<string> {
  const messageId = mail.messageId ?? newMessageId();
  await client.sendMail({ ...mail, messageId });
  return messageId;
}

const mailTo = (address: string) => (m: ReceivedMail) => m.envelope.to.includes(address);
const waitForMail = async (match: (m: ReceivedMail) => boolean) => {
  await expect.poll(() => t.smtp.received.some(match), { timeout: 10_000 }).toBe(true);
  return t.smtp.received.filter(match).at(-1) as ReceivedMail;
};
const replyToOf = (mail: ReceivedMail) => mail.parsed.replyTo?.value[0]?.address;
const referencesOf = (mail: ReceivedMail) => [mail.parsed.references ?? []].flat();

/** A customer's first mail, routed into a ticket, and the acknowledgement the hub sent them. */
async function openTicket(tenant: { tenantId: string; key: string; inboundAddress: string }, from: string) {
  const messageId = await send({
    from,
    to: tenant.inboundAddress,
    subject: "Tidak bisa login mobile banking",
    text: "Sejak kemarin aplikasinya menolak PIN saya.",
  });
  expect(await t.routedOn(tenant.tenantId, "email", messageId)).toEqual({
    status: "routed",
    outcomes: ["ticket_created"],
  });
  const [ticket] = (await t.desk(tenant.key).get("/api/v1/desk/tickets?channel=EMAIL")).body.data;
  const address = from.replace(/^.*</, "").replace(/>$/, "").toLowerCase();
  const ack = await waitForMail(mailTo(address));
  return { messageId, ticketNumber: String(ticket.ticketNumber), ack, address };
}

describe("e-mail: a customer's mail becomes a ticket", () => {
  it("a first mail opens a ticket on the customer the service desk knows by that address, acknowledged in the same thread", async () => {
    const tenant = await t.tenantWithEmail("mail-known");
    const viaDesk = await t.hub.request("/api/omnichannel/tickets", {
      method: "POST",
      headers: { authorization: `Bearer ${tenant.key}`, "content-type": "application/json" },
      body: JSON.stringify({ ...docExamples.ticket, integration: undefined }),
    });
    expect(viaDesk.status).toBe(201);
    const known = (await t.desk(tenant.key).get("/api/v1/desk/tickets")).body.data[0];

    const messageId = await send({
      from: '"Jane Smith" <Jane.Smith@Email.com>',
      to: tenant.inboundAddress,
      subject: "Kartu ATM tertelan",
      text: "Kartu saya tertelan di ATM cabang Manado tadi pagi.",
    });
    expect(await t.routedOn(tenant.tenantId, "email", messageId)).toEqual({
      status: "routed",
      outcomes: ["ticket_created"],
    });
    const [ticket] = (await t.desk(tenant.key).get("/api/v1/desk/tickets?channel=EMAIL")).body.data;
    expect(ticket.customerId).toBe(known.customerId);
    const detail = (await t.desk(tenant.key).get(`/api/v1/desk/tickets/${ticket.ticketNumber}`)).body.data;
    expect(detail.description).toBe(
      "Kartu ATM tertelan\n\nKartu saya tertelan di ATM cabang Manado tadi pagi.",
    );
    const [stored] = await t.storedMessages(tenant.tenantId);
    expect(stored).toMatchObject({ senderAddress: "jane.smith@email.com", senderName: "Jane Smith" });

    const ack = await waitForMail(mailTo("jane.smith@email.com"));
    // The tenant's TICKET_CREATED template (here the default), greeting the customer by name; the
    // subject stays the thread's.
    expect(ack.parsed.text).toContain("Yth. Jane Smith,");
    expect(ack.parsed.text).toContain(`nomor tiket ${ticket.ticketNumber}.`);
    expect(ack.parsed.html).toContain(`<p>Yth. Jane Smith,</p>`);
    expect(ack.parsed.subject).toBe(`Re: Kartu ATM tertelan [#${ticket.ticketNumber}]`);
    expect(ack.parsed.inReplyTo).toBe(messageId);
    expect(referencesOf(ack)).toEqual([messageId]);
    expect(replyToOf(ack)).toMatch(/^halo\+[a-p]{24}@mail-known\.bank\.example$/);
    // The hub's acknowledgement is automatic: an out-of-office answering it would be dropped too.
    expect(ack.parsed.headers.get("auto-submitted")).toBe("auto-replied");
  });

  it("a reply joins the ticket by In-Reply-To, by the reply address, or by the ticket number in the subject; a redelivery stores nothing", async () => {
    const tenant = await t.tenantWithEmail("mail-thread");
    const first = await openTicket(tenant, '"Budi Santoso" <budi@customer.example>');
    const joined = async (messageId: string) =>
      expect(await t.routedOn(tenant.tenantId, "email", messageId)).toEqual({
        status: "routed",
        outcomes: ["comment_added"],
      });

    const byInReplyTo = await send({
      from: "budi@customer.example",
      to: tenant.inboundAddress,
      subject: `Re: ${first.ack.parsed.subject}`,
      // The customer's mail program quotes the acknowledgement below the answer: agents read it once.
      text: `Ini nomor referensi transfernya: 8812.\n\nPada Sen, 6 Jan 2025 Bank <noreply@bank.example> menulis:\n${quoted(first.ack.parsed.text ?? "")}\n`,
      inReplyTo: first.ack.parsed.messageId,
      references: [first.messageId, first.ack.parsed.messageId as string],
    });
    await joined(byInReplyTo);
    // A mail program that drops the headers still writes to the ticket's reply address.
    const replyAddress = replyToOf(first.ack) as string;
    const byToken = await send({
      from: "budi@customer.example",
      to: replyAddress,
      subject: "Satu lagi",
      text: "Mutasi rekening saya lampirkan besok.",
    });
    await joined(byToken);
    const bySubject = await send({
      from: "budi@customer.example",
      to: tenant.inboundAddress,
      subject: `Tiket #${first.ticketNumber}: sudah saya coba lagi`,
      text: "Saldo masih terpotong.",
    });
    await joined(bySubject);

    // The sending server did not hear our 250 and delivers the same mail again.
    await send({
      from: "budi@customer.example",
      to: tenant.inboundAddress,
      subject: `Tiket #${first.ticketNumber}: sudah saya coba lagi`,
      text: "Saldo masih terpotong.",
      messageId: bySubject,
    });
    expect(await t.storedMessages(tenant.tenantId)).toHaveLength(4);
    const tickets = (await t.desk(tenant.key).get("/api/v1/desk/tickets?channel=EMAIL")).body.data;
    expect(tickets).toHaveLength(1);
    const detail = (await t.desk(tenant.key).get(`/api/v1/desk/tickets/${first.ticketNumber}`)).body.data;
    expect(detail.comments.map((c: { content: string }) => c.content)).toEqual([
      "Ini nomor referensi transfernya: 8812.",
      "Mutasi rekening saya lampirkan besok.",
      "Saldo masih terpotong.",
    ]);
  });

  it("someone else's references (the reply address, the ticket number) open a ticket of their own", async () => {
    const tenant = await t.tenantWithEmail("mail-foreign");
    const first = await openTicket(tenant, "siti@customer.example");
    const forged = await send({
      from: "mallory@elsewhere.example",
      to: replyToOf(first.ack) as string,
      subject: `Re: Tiket #${first.ticketNumber}`,
      text: "Tolong ganti nomor HP di tiket ini.",
      inReplyTo: first.ack.parsed.messageId,
    });
    expect(await t.routedOn(tenant.tenantId, "email", forged)).toEqual({
      status: "routed",
      outcomes: ["ticket_created"],
    });
    const detail = (await t.desk(tenant.key).get(`/api/v1/desk/tickets/${first.ticketNumber}`)).body.data;
    expect(detail.comments).toEqual([]);
    expect((await t.desk(tenant.key).get("/api/v1/desk/tickets?channel=EMAIL")).body.data).toHaveLength(2);
  });

  it("an agent's reply goes out through the tenant's SMTP account, threaded, and shows sent on the comment", async () => {
    const tenant = await t.tenantWithEmail("mail-reply");
    const first = await openTicket(tenant, '"Rina" <rina@customer.example>');
    const { body } = await t.desk(tenant.key).post(`/api/v1/desk/tickets/${first.ticketNumber}/replies`, {
      content: "Dana Anda sudah kami kembalikan hari ini.",
      authorId: "usr_dewi",
    });
    expect(body.data).toBeDefined();
    await t.relay();
    const reply = await waitForMail(
      (m) => mailTo(first.address)(m) && (m.parsed.text ?? "").startsWith("Dana Anda sudah"),
    );
    expect(reply.envelope.from).toBe(`noreply@mail-reply.bank.example`);
    expect(reply.parsed.inReplyTo).toBe(first.messageId);
    expect(referencesOf(reply)).toEqual([first.messageId]);
    expect(replyToOf(reply)).toBe(replyToOf(first.ack));
    expect(reply.parsed.subject).toBe(`Re: Tidak bisa login mobile banking [#${first.ticketNumber}]`);
    // A person wrote it: not marked automatic.
    expect(reply.parsed.headers.has("auto-submitted")).toBe(false);
    await expect
      .poll(
        async () => {
          const after = (await t.desk(tenant.key).get(`/api/v1/desk/tickets/${first.ticketNumber}`)).body
            .data;
          return after.comments.at(-1)?.delivery;
        },
        { timeout: 10_000 },
      )
      .toMatchObject({ channel: "EMAIL", status: "sent" });

    // The customer answers the agent's mail: it threads by In-Reply-To to the same ticket.
    const answer = await send({
      from: first.address,
      to: tenant.inboundAddress,
      subject: `Re: ${reply.parsed.subject}`,
      text: "Sudah masuk, terima kasih.",
      inReplyTo: reply.parsed.messageId,
    });
    expect(await t.routedOn(tenant.tenantId, "email", answer)).toEqual({
      status: "routed",
      outcomes: ["comment_added"],
    });
  });

  it("a claim's questions ask for answers at the inbound address, and an answer continues the dialogue by In-Reply-To", async () => {
    const tenant = await t.tenantWithEmail("mail-claim");
    const claim = await send({
      from: "wati@customer.example",
      to: tenant.inboundAddress,
      subject: "Saldo terpotong",
      text: "Saldo terpotong tapi transfer gagal.",
    });
    expect(await t.routedOn(tenant.tenantId, "email", claim)).toEqual({
      status: "routed",
      outcomes: ["dialogue_started"],
    });
    const question = await waitForMail(mailTo("wati@customer.example"));
    expect(question.parsed.text).toMatch(/media apa/);
    expect(question.parsed.inReplyTo).toBe(claim);
    // No ticket yet, so no ticket address: the From address is noreply, answers go to the inbound one.
    expect(replyToOf(question)).toBe(tenant.inboundAddress);
    const answer = await send({
      from: "wati@customer.example",
      to: tenant.inboundAddress,
      subject: `Re: ${question.parsed.subject}`,
      text: "ATM",
      inReplyTo: question.parsed.messageId,
    });
    expect(await t.routedOn(tenant.tenantId, "email", answer)).toEqual({
      status: "routed",
      outcomes: ["dialogue_answered"],
    });
  });

  it("files are kept on the ticket, and the copy the listener held is released; HTML-only mail becomes text", async () => {
    const tenant = await t.tenantWithEmail("mail-files");
    const png = Buffer.from(
      "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
      "base64",
    );
    const messageId = await send({
      from: "andi@customer.example",
      to: tenant.inboundAddress,
      subject: "Bukti transfer",
      html: "<p>Berikut <b>bukti</b> transfer saya.</p>",
      attachments: [{ filename: "bukti.png", content: png, contentType: "image/png" }],
    });
    expect(await t.routedOn(tenant.tenantId, "email", messageId)).toEqual({
      status: "routed",
      outcomes: ["ticket_created"],
    });
    const [ticket] = (await t.desk(tenant.key).get("/api/v1/desk/tickets?channel=EMAIL")).body.data;
    const detail = (await t.desk(tenant.key).get(`/api/v1/desk/tickets/${ticket.ticketNumber}`)).body.data;
    expect(detail.attachments).toMatchObject([
      { filename: "bukti.png", mimeType: "image/png", size: png.byteLength },
    ]);
    expect(detail.description).toContain("Berikut bukti transfer saya.");
    expect(await t.hub.blobs.get(heldFileKey(tenant.tenantId, messageId, 0))).toBeUndefined();
  });
});

describe("e-mail: what the listener refuses or drops", () => {
  it("an unknown recipient, or a reply address with a token no ticket has, is refused at RCPT TO", async () => {
    const tenant = await t.tenantWithEmail("mail-unknown");
    for (const to of [
      "nobody@mail-unknown.bank.example",
      "halo+abcdefghabcdefghabcdefgh@mail-unknown.bank.example",
    ]) {
      await expect(
        client.sendMail({ from: "andi@customer.example", to, subject: "Halo", text: "Halo" }),
      ).rejects.toMatchObject({ responseCode: 550, command: "RCPT TO" });
    }
    expect(await t.storedMessages(tenant.tenantId)).toHaveLength(0);
  });

  it("a mail above the size limit is refused with 552", async () => {
    const tenant = await t.tenantWithEmail("mail-big");
    const small = await startListener(4096);
    const smallClient = clientOf(small.port);
    try {
      await expect(
        smallClient.sendMail({
          from: "andi@customer.example",
          to: tenant.inboundAddress,
          subject: "Besar",
          text: "x".repeat(10_000),
        }),
      ).rejects.toMatchObject({ responseCode: 552 });
      expect(await t.storedMessages(tenant.tenantId)).toHaveLength(0);
    } finally {
      smallClient.close();
      await small.close();
    }
  });

  it("auto-replies and bounces are accepted, counted, and neither stored nor answered", async () => {
    const tenant = await t.tenantWithEmail("mail-auto");
    const to = tenant.inboundAddress;
    const base = { from: "ooo@customer.example", to, subject: "Out of office", text: "Saya sedang cuti." };
    await send({ ...base, headers: { "Auto-Submitted": "auto-replied" } });
    await send({ ...base, headers: { Precedence: "bulk" } });
    await send({ ...base, headers: { "X-Autoreply": "yes" } });
    await send({ ...base, envelope: { from: "", to: [to] } });
    await send({ ...base, from: "MAILER-DAEMON@mx.customer.example" });
    await client.sendMail({
      envelope: { from: "postmaster@mx.customer.example", to: [to] },
      raw: [
        "From: postmaster@mx.customer.example",
        `To: ${to}`,
        "Subject: Delivery Status Notification",
        `Message-ID: ${newMessageId()}`,
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"',
        "",
        "--b1",
        "Content-Type: text/plain",
        "",
        "Your message could not be delivered.",
        "--b1--",
        "",
      ].join("\r\n"),
    });
    // "Auto-Submitted: no" is a person's mail: it opens a ticket.
    const person = await send({ ...base, headers: { "Auto-Submitted": "no" }, subject: "Pertanyaan" });
    await t.routedOn(tenant.tenantId, "email", person);

    expect((await t.storedMessages(tenant.tenantId)).map((m) => m.providerMessageId)).toEqual([person]);
    const skipped = await t.hub.metrics.inboundSkipped.get();
    const count = (reason: string) =>
      skipped.values.find((v) => v.labels.channel === "email" && v.labels.reason === reason)?.value;
    expect(
      [
        "auto_submitted",
        "precedence",
        "autoreply_header",
        "null_sender",
        "mailer_daemon",
        "delivery_report",
      ].map(count),
    ).toEqual([1, 1, 1, 1, 1, 1]);
    // The one answer sent is the acknowledgement of the person's mail.
    await waitForMail(mailTo("ooo@customer.example"));
    expect(t.smtp.received.filter(mailTo("ooo@customer.example"))).toHaveLength(1);
  });
});

/** A message quoted as mail programs do below an answer: every line behind "> ". */
function quoted(text: string): string {
  return text
    .trim()
    .split("\n")
    .map((line) => `> ${line}`)
    .join("\n");
}
