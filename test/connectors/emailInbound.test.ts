import { simpleParser } from "mailparser";
import { describe, expect, it } from "vitest";
import { inboundAddressOf, replyAddressOf, splitRecipient } from "../../connectors/email/addresses.js";
import { automaticMailReason } from "../../connectors/email/automatic.js";
import { inboundFromMail, mailMessageId } from "../../connectors/email/inbound.js";
import { withoutQuotedTail } from "../../connectors/email/quotes.js";
import { replySubject, threadReferences, ticketNumberInSubject } from "../../src/inbound/threading.js";

/** A mail as its raw lines, parsed by mailparser as the listener parses it. */
const parse = (headers: string[], body = "Halo") =>
  simpleParser(Buffer.from([...headers, "", body, ""].join("\r\n")));

const person = ["From: Budi <budi@customer.example>", "To: halo@bank.example", "Subject: Halo"];

describe("e-mail addresses", () => {
  const settings = { from: "Bank <noreply@Bank.Example>" };

  it("an account's inbound address is inboundAddress, else the address in from; reply addresses add +token", () => {
    expect(inboundAddressOf(settings)).toBe("noreply@bank.example");
    expect(inboundAddressOf({ ...settings, inboundAddress: "Halo@bank.example" })).toBe("halo@bank.example");
    expect(replyAddressOf({ ...settings, inboundAddress: "halo@bank.example" }, "abcd")).toBe(
      "halo+abcd@bank.example",
    );
  });

  it("a recipient splits into the inbound address it names and the token after +", () => {
    expect(splitRecipient("Halo@Bank.example")).toEqual({ base: "halo@bank.example" });
    expect(splitRecipient("halo+ABCD@bank.example")).toEqual({ base: "halo@bank.example", token: "abcd" });
    expect(splitRecipient("halo+@bank.example")).toEqual({ base: "halo@bank.example" });
    expect(splitRecipient("not-an-address")).toBeUndefined();
    expect(splitRecipient("@bank.example")).toBeUndefined();
  });
});

describe("e-mail threading references", () => {
  it("are tried reply token first, then In-Reply-To, then References newest first, then the subject's ticket number", () => {
    expect(
      threadReferences({
        replyToken: "tok",
        inReplyTo: ["<c@x>"],
        references: ["<a@x>", "<b@x>", "<c@x>"],
        ticketNumber: "12",
        subject: "Re: [#12]",
      }),
    ).toEqual([
      { kind: "replyToken", token: "tok" },
      { kind: "messageId", id: "<c@x>" },
      { kind: "messageId", id: "<b@x>" },
      { kind: "messageId", id: "<a@x>" },
      { kind: "ticketNumber", number: "12" },
    ]);
    expect(threadReferences(null)).toEqual([]);
  });

  it("read a ticket number from the subject as the hub writes it and as customers do", () => {
    expect(ticketNumberInSubject("Re: Kartu tertelan [#10023]")).toBe("10023");
    expect(ticketNumberInSubject("Tiket 10023 belum selesai")).toBe("10023");
    expect(ticketNumberInSubject("ticket no. 10023")).toBe("10023");
    expect(ticketNumberInSubject("Nomor tiket #10023")).toBe("10023");
    expect(ticketNumberInSubject("Transfer 250000 gagal")).toBeUndefined();
  });

  it("write a reply's subject as Re: the customer's, tagged once with the ticket number", () => {
    expect(replySubject("Kartu tertelan", "7")).toBe("Re: Kartu tertelan [#7]");
    expect(replySubject("RE: Kartu tertelan [#7]", "7")).toBe("RE: Kartu tertelan [#7]");
    expect(replySubject("Tiket #7 belum selesai", "7")).toBe("Re: Tiket #7 belum selesai");
    expect(replySubject(undefined, "7")).toBe("[#7]");
    expect(replySubject("", undefined)).toBe("");
  });
});

describe("e-mail written by machines", () => {
  it("names why an auto-reply, a bounce or list mail is dropped, and lets a person's mail through", async () => {
    const reason = async (headers: string[], envelopeFrom = "budi@customer.example") =>
      automaticMailReason(await parse([...person, ...headers]), envelopeFrom);
    expect(await reason([])).toBeUndefined();
    expect(await reason(["Auto-Submitted: no"])).toBeUndefined();
    expect(await reason(["Auto-Submitted: no (a person wrote this)"])).toBeUndefined();
    expect(await reason(["Auto-Submitted: auto-generated"])).toBe("auto_submitted");
    expect(await reason(["Auto-Submitted: Auto-Replied; owner-email=budi@customer.example"])).toBe(
      "auto_submitted",
    );
    expect(await reason(["Precedence: junk"])).toBe("precedence");
    expect(await reason(["Precedence: list"])).toBe("precedence");
    expect(await reason(["Precedence: first-class"])).toBeUndefined();
    expect(await reason(["X-Autorespond: yes"])).toBe("autoreply_header");
    expect(await reason([], "")).toBe("null_sender");
    expect(await reason([], "MAILER-DAEMON@mx.customer.example")).toBe("mailer_daemon");
    expect(await reason(["List-Id: <promo.customer.example>"])).toBe("mailing_list");
  });
});

describe("a mail as an InboundMessage", () => {
  it("keeps the sender lower-cased with their name, the hints, and only the headers as raw", async () => {
    const raw = [
      "From: =?UTF-8?Q?B=C3=BCdi?= <Budi@Customer.Example>",
      "To: halo@bank.example",
      "Subject: Re: Kartu tertelan [#77]",
      "Message-ID: <m2@customer.example>",
      "In-Reply-To: <out_1@bank.example>",
      "References: <m1@customer.example> <out_1@bank.example>",
    ];
    const mail = await parse(raw, "Sudah saya coba lagi.");
    const message = inboundFromMail(
      "ten_1",
      mail,
      { mailFrom: "budi@customer.example", rcptTo: ["halo@bank.example"] },
      { messageId: mailMessageId(mail, Buffer.from("")), files: [], receivedAt: new Date(0) },
    );
    expect(message).toMatchObject({
      channel: "email",
      providerMessageId: "<m2@customer.example>",
      sender: { address: "budi@customer.example", displayName: "Büdi" },
      text: "Sudah saya coba lagi.",
      threadRef: "<m2@customer.example>",
      threadHints: {
        inReplyTo: ["<out_1@bank.example>"],
        references: ["<m1@customer.example>", "<out_1@bank.example>"],
        ticketNumber: "77",
        subject: "Re: Kartu tertelan [#77]",
      },
      raw: { envelope: { mailFrom: "budi@customer.example" } },
    });
    expect(JSON.stringify(message?.raw)).not.toContain("Sudah saya coba");
  });

  it("names a mail without a Message-ID by its bytes, so the same bytes twice are one message", async () => {
    const bytes = Buffer.from([...person, "", "Halo", ""].join("\r\n"));
    const mail = await simpleParser(bytes);
    expect(mailMessageId(mail, bytes)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(mailMessageId(mail, bytes)).toBe(mailMessageId(await simpleParser(bytes), bytes));
  });
});

describe("a reply's own words", () => {
  it("leave out the history quoted below them, and keep what is quoted in between", () => {
    expect(
      withoutQuotedTail("Sudah, terima kasih.\n\nOn Mon, 6 Jan 2025 Bank wrote:\n> Tiket #7\n> diterima\n"),
    ).toBe("Sudah, terima kasih.");
    expect(
      withoutQuotedTail(
        "Sudah.\n\nOn Mon, 6 Jan 2025 at 10:00, Bank <cs@bank.example>\nwrote:\n\n> Tiket #7\n",
      ),
    ).toBe("Sudah.");
    expect(withoutQuotedTail("Oke.\n\n-----Original Message-----\nFrom: Bank\nSubject: Tiket #7")).toBe(
      "Oke.",
    );
    expect(withoutQuotedTail("> Nominalnya berapa?\n250000\n> Tanggal?\nkemarin")).toBe(
      "> Nominalnya berapa?\n250000\n> Tanggal?\nkemarin",
    );
    // A mail that is nothing but a quote keeps it: an empty comment would say less.
    expect(withoutQuotedTail("> Tiket #7")).toBe("> Tiket #7");
    expect(withoutQuotedTail("Terima kasih, saya menulis: ini benar.")).toBe(
      "Terima kasih, saya menulis: ini benar.",
    );
  });
});
