import { createHash } from "node:crypto";
import { convert as htmlToText } from "html-to-text";
import type { Attachment, ParsedMail } from "mailparser";
import type { InboundAttachmentRef, InboundMessage, ThreadHints } from "../../src/inbound/message.js";
import { isReplySubject, ticketNumberInSubject } from "../../src/inbound/threading.js";
import { heldFileKey } from "./files.js";
import { withoutQuotedTail } from "./quotes.js";

/** What the SMTP session says about a mail: MAIL FROM ("" for the null sender) and the accepted RCPT TOs. */
export type MailEnvelope = { mailFrom: string; rcptTo: string[] };

/** One of a mail's files, with the key it is held under for the router. */
export type HeldFile = { ref: InboundAttachmentRef; bytes: Uint8Array };

const messageIdPattern = /<[^<>\s]+>/g;
const maxHeaderLines = 100;

/** Message-IDs in a header's text ("<a@b> <c@d>"), as written, angle brackets included. */
function idsIn(value: string | string[] | undefined): string[] {
  const text = Array.isArray(value) ? value.join(" ") : (value ?? "");
  return text.match(messageIdPattern) ?? [];
}

/**
 * The mail's Message-ID, its provider id: a redelivery carries the same one and stores nothing. A
 * mail without one is named by a hash of its bytes, so the same bytes delivered twice are one message.
 */
export function mailMessageId(mail: ParsedMail, raw: Uint8Array): string {
  const [id] = idsIn(mail.messageId);
  return id ?? `sha256:${createHash("sha256").update(raw).digest("hex")}`;
}

/** Its files in the order the router keeps them: attachments first, then images embedded in the HTML (signatures' logos come last). */
export function mailFiles(
  tenantId: string,
  messageId: string,
  attachments: readonly Attachment[],
): HeldFile[] {
  const ordered = [...attachments.filter((a) => !a.related), ...attachments.filter((a) => a.related)];
  return ordered.map((a, index) => ({
    ref: {
      ref: heldFileKey(tenantId, messageId, index),
      kind: a.contentType.startsWith("image/") ? "photo" : "document",
      filename: a.filename,
      mimeType: a.contentType,
      size: a.size,
    },
    bytes: a.content,
  }));
}

/**
 * The plain part, else the HTML as text: mailparser converts HTML itself only when it is the
 * alternative to a missing plain part, not when it sits beside attachments.
 */
function textOf(mail: ParsedMail): string {
  const text = mail.text?.trim();
  if (text || !mail.html) return text ?? "";
  try {
    return htmlToText(mail.html, {
      wordwrap: false,
      limits: { maxDepth: 100, maxInputLength: 2_000_000 },
    }).trim();
  } catch {
    // HTML too deep to read is no reason to lose the mail: its subject and files still arrive.
    return "";
  }
}

function isReply(hints: ThreadHints): boolean {
  return (
    hints.replyToken !== undefined ||
    hints.ticketNumber !== undefined ||
    (hints.inReplyTo?.length ?? 0) > 0 ||
    (hints.references?.length ?? 0) > 0 ||
    isReplySubject(hints.subject ?? "")
  );
}

/**
 * A customer's mail as the hub's InboundMessage for one tenant. The sender is the From header's
 * mailbox (the envelope's when it has none), lower-cased; the text is the plain part, or the HTML
 * as text. A mail that refers to no earlier one leads with its subject, which often says the most;
 * replies (and mails naming a ticket) do not repeat it, nor the history quoted below them. Every mail is its own thread unless the router
 * finds the one its references name. Raw: the envelope and the header lines (bodies are the text,
 * files are held apart). Undefined: no sender to answer.
 */
export function inboundFromMail(
  tenantId: string,
  mail: ParsedMail,
  envelope: MailEnvelope,
  delivery: {
    messageId: string;
    replyToken?: string | undefined;
    files: readonly HeldFile[];
    receivedAt: Date;
  },
): InboundMessage | undefined {
  const from = mail.from?.value.find((a) => a.address?.includes("@"));
  const address = (from?.address ?? envelope.mailFrom).trim().toLowerCase();
  if (!address.includes("@")) return undefined;
  const subject = mail.subject?.trim() ?? "";
  const ticketNumber = subject ? ticketNumberInSubject(subject) : undefined;
  const hints: ThreadHints = {
    ...(delivery.replyToken ? { replyToken: delivery.replyToken } : {}),
    ...(mail.inReplyTo ? { inReplyTo: idsIn(mail.inReplyTo) } : {}),
    ...(mail.references ? { references: idsIn(mail.references) } : {}),
    ...(ticketNumber ? { ticketNumber } : {}),
    ...(subject ? { subject } : {}),
  };
  const reply = isReply(hints);
  const body = reply ? withoutQuotedTail(textOf(mail)) : textOf(mail);
  const text = subject && !reply ? `${subject}\n\n${body}`.trim() : body;
  return {
    channel: "email",
    tenantId,
    providerMessageId: delivery.messageId,
    sender: { address, displayName: from?.name.trim() || undefined },
    text,
    attachments: delivery.files.map((f) => f.ref),
    threadRef: delivery.messageId,
    threadHints: hints,
    receivedAt: delivery.receivedAt,
    raw: {
      envelope,
      headers: mail.headerLines.slice(0, maxHeaderLines).map((h) => h.line.slice(0, 2000)),
    },
  };
}
