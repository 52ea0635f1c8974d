import { type AddressInfo, createServer } from "node:net";
import { Worker } from "node:worker_threads";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChannelAccount, OutboundMessage } from "../../connectors/contract.js";
import { checkEmailSettings } from "../../connectors/email/check.js";
import { smtpSender } from "../../connectors/email/smtpSender.js";
import { SmtpThread, smtpThreadSender } from "../../connectors/email/smtpThreadSender.js";
import { type SmtpFake, startSmtpFake } from "../support/fakes/smtpServer.js";
import { closedPort, senderDeps } from "./senderDeps.js";

let smtp: SmtpFake;
beforeAll(async () => {
  smtp = await startSmtpFake({ user: "notifier", pass: "s3cret-pass" });
});
afterAll(async () => {
  await smtp.close();
});

const account = (settings: Partial<ChannelAccount<"email">["settings"]> = {}): ChannelAccount<"email"> => ({
  tenantId: "ten_1",
  channel: "email",
  provider: "smtp",
  enabled: true,
  updatedAt: new Date(),
  settings: {
    host: smtp.host,
    port: smtp.port,
    secure: false,
    user: "notifier",
    pass: "s3cret-pass",
    from: "Bank Example <noreply@bank.example>",
    ...settings,
  },
});

const message = (to: string, deliveryId = "dlv_0001"): OutboundMessage<"email"> => ({
  deliveryId,
  tenantId: "ten_1",
  to,
  content: {
    channel: "email",
    subject: "Tiket 12345 diterima",
    text: "Halo Budi, tiket Anda 12345 sudah kami terima.",
    html: "<p>Halo <b>Budi</b>, tiket Anda 12345 sudah kami terima.</p>",
    inReplyTo: "<abc@customer.example>",
    references: ["<root@customer.example>", "<abc@customer.example>"],
  },
});

// The hub sends from its SMTP thread (smtpThreadSender, the registry's); the thread runs smtpSender.
// Both pass the same checks against the same server.
describe.each([
  { way: "in the calling thread", tag: "here", makeSender: smtpSender },
  { way: "from the SMTP thread", tag: "thread", makeSender: smtpThreadSender },
])("email sender $way: nodemailer over SMTP to a local smtp-server", ({ tag, makeSender }) => {
  it("delivers a multipart message whose headers the receiving server reads back, and records its Message-ID", async () => {
    const sender = makeSender(account(), senderDeps());
    try {
      const result = await sender.send(message("budi@customer.example", "dlv_0190abc"));
      expect(result).toEqual({ outcome: "sent", providerMessageId: "<dlv_0190abc@bank.example>" });
      const mail = smtp.received.find((m) => m.parsed.messageId === "<dlv_0190abc@bank.example>");
      expect(mail?.envelope).toEqual({ from: "noreply@bank.example", to: ["budi@customer.example"] });
      expect(mail?.parsed.from?.value).toEqual([{ address: "noreply@bank.example", name: "Bank Example" }]);
      expect(mail?.parsed.subject).toBe("Tiket 12345 diterima");
      expect(mail?.parsed.text?.trim()).toBe("Halo Budi, tiket Anda 12345 sudah kami terima.");
      expect(mail?.parsed.html).toContain("<b>Budi</b>");
      expect(mail?.parsed.headers.get("content-type")).toMatchObject({ value: "multipart/alternative" });
      expect(mail?.parsed.inReplyTo).toBe("<abc@customer.example>");
      expect(mail?.parsed.references).toEqual(["<root@customer.example>", "<abc@customer.example>"]);
    } finally {
      await sender.close?.();
    }
  });

  it("keeps the account's maxConnections open at most: a burst shares them", async () => {
    const burst = (sender: ReturnType<typeof makeSender>, prefix: string) =>
      Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          sender.send(message(`${prefix}${i}@customer.example`, `dlv_${prefix}${i}`)),
        ),
      );
    const sessionsOf = (prefix: string) =>
      new Set(smtp.received.filter((m) => m.envelope.to[0]?.startsWith(prefix)).map((m) => m.sessionId));
    const one = makeSender(account({ maxConnections: 1 }), senderDeps());
    const three = makeSender(account({ maxConnections: 3 }), senderDeps());
    try {
      expect((await burst(one, `${tag}-pool-one-`)).map((r) => r.outcome)).toEqual(Array(6).fill("sent"));
      expect(sessionsOf(`${tag}-pool-one-`).size).toBe(1);
      expect((await burst(three, `${tag}-pool-three-`)).map((r) => r.outcome)).toEqual(Array(6).fill("sent"));
      expect(sessionsOf(`${tag}-pool-three-`).size).toBeGreaterThan(1);
      expect(sessionsOf(`${tag}-pool-three-`).size).toBeLessThanOrEqual(3);
    } finally {
      await one.close?.();
      await three.close?.();
    }
  });

  it("sends a retry of one delivery with the same Message-ID", async () => {
    const sender = makeSender(account(), senderDeps());
    try {
      const first = await sender.send(message(`siti.${tag}@customer.example`, "dlv_retry"));
      const second = await sender.send(message(`siti.${tag}@customer.example`, "dlv_retry"));
      expect(first).toEqual(second);
      const ids = smtp.received
        .filter((m) => m.envelope.to[0] === `siti.${tag}@customer.example`)
        .map((m) => m.parsed.messageId);
      expect(ids).toEqual(["<dlv_retry@bank.example>", "<dlv_retry@bank.example>"]);
    } finally {
      await sender.close?.();
    }
  });

  it("maps the server's 5xx for a recipient to permanent and 4xx to transient", async () => {
    const sender = makeSender(account(), senderDeps());
    try {
      const refused = await sender.send(message("reject-me@customer.example"));
      expect(refused.outcome).toBe("permanent");
      expect(refused).toMatchObject({ reason: expect.stringContaining("550") });
      const busy = await sender.send(message("busy-box@customer.example"));
      expect(busy.outcome).toBe("transient");
      expect(busy).toMatchObject({ reason: expect.stringContaining("451") });
    } finally {
      await sender.close?.();
    }
  });

  it("a refused login is permanent; a server that is not there is transient", async () => {
    const badLogin = makeSender(account({ pass: "wrong" }), senderDeps());
    const nobody = makeSender(account({ port: await closedPort() }), senderDeps());
    try {
      expect((await badLogin.send(message("a@customer.example"))).outcome).toBe("permanent");
      expect((await nobody.send(message("a@customer.example"))).outcome).toBe("transient");
    } finally {
      await badLogin.close?.();
      await nobody.close?.();
    }
  });

  it("secure: TLS runs on the sender's own socket from its first byte, never the dialogue in clear", async () => {
    const firstBytes = new Promise<Buffer>((resolve) => {
      const server = createServer((socket) => {
        socket.once("data", (chunk: Buffer) => {
          resolve(chunk);
          socket.destroy();
          server.close();
        });
      });
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo;
        const sender = makeSender(account({ port, secure: true }), senderDeps());
        void sender.send(message("a@customer.example")).finally(() => sender.close?.());
      });
    });
    const chunk = await firstBytes;
    // A TLS record of type handshake (22), version 3.x: a ClientHello, not an SMTP command.
    expect(chunk[0]).toBe(0x16);
    expect(chunk[1]).toBe(0x03);
  });
});

describe("email account settings check", () => {
  it("checks settings by logging in, naming the field to fix", async () => {
    expect(await checkEmailSettings(account().settings, 2000)).toEqual({ ok: true });
    expect(await checkEmailSettings({ ...account().settings, pass: "wrong" }, 2000)).toMatchObject({
      ok: false,
      field: "settings.pass",
    });
    expect(await checkEmailSettings({ ...account().settings, port: await closedPort() }, 2000)).toMatchObject(
      {
        ok: false,
        field: "settings.host",
      },
    );
    const { pass: _pass, ...withoutPass } = account().settings;
    expect(await checkEmailSettings(withoutPass, 2000)).toEqual({
      ok: false,
      field: "settings.pass",
      reason: "is required when user is set",
    });
  });
});

describe("the SMTP thread", () => {
  it("finishes a send in hand when its account is closed, and a closed sender sends nothing", async () => {
    const sender = smtpThreadSender(account(), senderDeps());
    const sending = sender.send(message("closing@customer.example", "dlv_closing"));
    await sender.close?.();
    expect(await sending).toEqual({ outcome: "sent", providerMessageId: "<dlv_closing@bank.example>" });
    expect(smtp.received.some((m) => m.parsed.messageId === "<dlv_closing@bank.example>")).toBe(true);
    expect(await sender.send(message("closing@customer.example", "dlv_after"))).toMatchObject({
      outcome: "transient",
      reason: "the e-mail sender is closed",
    });
    // A sender opened after the last one closed starts the thread again.
    const again = smtpThreadSender(account(), senderDeps());
    try {
      expect((await again.send(message("again@customer.example", "dlv_again"))).outcome).toBe("sent");
    } finally {
      await again.close?.();
    }
  });

  it("a thread that dies answers the sends it held as transient, naming why", async () => {
    let stopped = 0;
    // A thread that exits as soon as it is asked anything.
    const dying = new SmtpThread(
      () => stopped++,
      () =>
        new Worker("require('node:worker_threads').parentPort.once('message', () => process.exit(7))", {
          eval: true,
        }),
    );
    const open = () => ({ kind: "open" as const, ref: 1, account: account(), timeoutMs: 2000 });
    const result = await dying.send(1, open, message("lost@customer.example"));
    expect(result).toEqual({ outcome: "transient", reason: "the SMTP thread exited (7)" });
    expect(dying.stopped).toBe(true);
    expect(stopped).toBe(1);
  });
});
