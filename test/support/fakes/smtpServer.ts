import type { AddressInfo } from "node:net";
import { type ParsedMail, simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

export type ReceivedMail = {
  envelope: { from: string; to: string[] };
  raw: string;
  parsed: ParsedMail;
  /** The SMTP session (one per connection) that carried it. */
  sessionId: string;
};

/**
 * A mail submission server on 127.0.0.1 (smtp-server), parsing each message it accepts with
 * mailparser. STARTTLS is off so the test needs no certificate; AUTH is allowed in the clear on
 * loopback. Recipients whose local part starts with "reject" get 550 (mailbox unavailable), with
 * "busy" 451 (try later).
 */
export async function startSmtpFake(options: { user?: string; pass?: string } = {}) {
  const received: ReceivedMail[] = [];
  const server = new SMTPServer({
    disabledCommands: ["STARTTLS"],
    allowInsecureAuth: true,
    authOptional: !options.user,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === options.user && auth.password === options.pass)
        return callback(null, { user: auth.username });
      const error = Object.assign(new Error("Invalid username or password"), { responseCode: 535 });
      return callback(error);
    },
    onRcptTo(address, _session, callback) {
      const local = address.address.split("@")[0] ?? "";
      if (local.startsWith("reject"))
        return callback(Object.assign(new Error("Mailbox unavailable"), { responseCode: 550 }));
      if (local.startsWith("busy"))
        return callback(Object.assign(new Error("Try again later"), { responseCode: 451 }));
      return callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", async () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        const parsed = await simpleParser(raw);
        const mailFrom = session.envelope.mailFrom;
        received.push({
          envelope: {
            from: mailFrom ? mailFrom.address : "",
            to: session.envelope.rcptTo.map((r) => r.address),
          },
          raw,
          parsed,
          sessionId: session.id,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    host: "127.0.0.1",
    port,
    received,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
export type SmtpFake = Awaited<ReturnType<typeof startSmtpFake>>;
