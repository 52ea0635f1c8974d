import type { AddressInfo } from "node:net";
import { simpleParser } from "mailparser";
import { SMTPServer, type SMTPServerSession } from "smtp-server";
import type { IntakeResult } from "../../src/inbound/intake.js";
import type { InboundMessage } from "../../src/inbound/message.js";
import type { Logger } from "../../src/logger.js";
import { type AutomaticReason, automaticMailReason } from "./automatic.js";
import { type HeldFile, inboundFromMail, type MailEnvelope, mailFiles, mailMessageId } from "./inbound.js";
import type { MailRecipient, RecipientDirectory } from "./recipients.js";

export type SkipReason = AutomaticReason | "no_sender";

export type EmailListenerDeps = {
  host: string;
  /** 0: any free port (the listener says which). */
  port: number;
  /** Largest message accepted, headers and encoded attachments included. */
  maxBytes: number;
  recipients: RecipientDirectory;
  /** Whether the tenant already stored this message (a redelivery: its files are held already). */
  isStored: (tenantId: string, providerMessageId: string) => Promise<boolean>;
  /** Holds a new message's files for the router (the blob store). */
  holdFiles: (files: readonly HeldFile[]) => Promise<void>;
  intake: (messages: readonly InboundMessage[]) => Promise<IntakeResult>;
  /** Counts a mail accepted and dropped (an auto-reply, a bounce). */
  skipped: (reason: SkipReason) => void;
  logger: Logger;
  now: () => Date;
};

export type EmailListener = { port: number; close(): Promise<void> };

const maxRecipients = 50;

function smtpError(responseCode: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode });
}

/**
 * The hub's SMTP listener (smtp-server), where a bank's MX or forwarding rule delivers customers'
 * mail. Like an MX it takes no AUTH; it refuses at RCPT TO every address that is no tenant's
 * (550: the sending server tells its sender, the hub never bounces), refuses a message above
 * `maxBytes` (552), and answers 250 only once the message is stored and queued; a failure to store
 * is a 451, so the sending server tries again later and nothing is lost. No STARTTLS: it listens on
 * the bank's own network behind its mail server (README, Inbound).
 */
export async function startEmailListener(deps: EmailListenerDeps): Promise<EmailListener> {
  const accepted = new WeakMap<SMTPServerSession, Map<string, MailRecipient>>();
  const server = new SMTPServer({
    disabledCommands: ["AUTH", "STARTTLS"],
    authOptional: true,
    size: deps.maxBytes,
    maxClients: 100,
    logger: false,
    onRcptTo(address, session, callback) {
      if (session.envelope.rcptTo.length >= maxRecipients)
        return callback(smtpError(452, "4.5.3 Too many recipients"));
      deps.recipients.find(address.address).then(
        (recipient) => {
          if (!recipient) return callback(smtpError(550, "5.1.1 No such recipient here"));
          const known = accepted.get(session) ?? new Map<string, MailRecipient>();
          known.set(address.address.toLowerCase(), recipient);
          accepted.set(session, known);
          callback();
        },
        (err: unknown) => {
          deps.logger.warn({ err }, "smtp listener: recipient lookup failed");
          callback(smtpError(451, "4.3.0 Temporary failure, try again later"));
        },
      );
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size <= deps.maxBytes) chunks.push(chunk);
      });
      stream.on("end", () => {
        if (stream.sizeExceeded || size > deps.maxBytes)
          return callback(smtpError(552, "5.3.4 Message too big for this system"));
        const recipients = session.envelope.rcptTo.flatMap((r) => {
          const found = accepted.get(session)?.get(r.address.toLowerCase());
          return found ? [found] : [];
        });
        const envelope: MailEnvelope = {
          mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          rcptTo: session.envelope.rcptTo.map((r) => r.address),
        };
        receive(deps, Buffer.concat(chunks), envelope, recipients).then(
          () => callback(),
          (err: unknown) => {
            deps.logger.error({ err }, "smtp listener: a message was not stored; the sender will retry");
            callback(smtpError(451, "4.3.0 Temporary failure, try again later"));
          },
        );
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.server.once("error", reject);
    server.listen(deps.port, deps.host, () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;
  deps.logger.info({ host: deps.host, port }, "smtp listener started");
  return {
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** One tenant's recipient per tenant: the one carrying a reply token, when one does. */
function byTenant(recipients: readonly MailRecipient[]): MailRecipient[] {
  const chosen = new Map<string, MailRecipient>();
  for (const r of recipients) {
    if (!chosen.get(r.tenantId)?.replyToken) chosen.set(r.tenantId, r);
  }
  return [...chosen.values()];
}

async function receive(
  deps: EmailListenerDeps,
  raw: Buffer,
  envelope: MailEnvelope,
  recipients: readonly MailRecipient[],
): Promise<void> {
  const mail = await simpleParser(raw, { skipImageLinks: true, skipTextLinks: true, skipTextToHtml: true });
  const automatic = automaticMailReason(mail, envelope.mailFrom);
  if (automatic) {
    deps.skipped(automatic);
    return;
  }
  const messageId = mailMessageId(mail, raw);
  const receivedAt = deps.now();
  const messages: InboundMessage[] = [];
  for (const { tenantId, replyToken } of byTenant(recipients)) {
    const files = mailFiles(tenantId, messageId, mail.attachments);
    const message = inboundFromMail(tenantId, mail, envelope, { messageId, replyToken, files, receivedAt });
    if (!message) {
      deps.skipped("no_sender");
      continue;
    }
    if (files.length > 0 && !(await deps.isStored(tenantId, messageId))) await deps.holdFiles(files);
    messages.push(message);
  }
  await deps.intake(messages);
}
