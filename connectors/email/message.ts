import addressparser from "nodemailer/lib/addressparser";
import type { OutboundMessage } from "../contract.js";

/** nodemailer's message fields for one outbound e-mail; mapping only, no I/O. */
export function mailOf(message: OutboundMessage<"email">, from: string) {
  const { content } = message;
  return {
    from,
    to: message.to,
    subject: content.subject,
    text: content.text,
    html: content.html,
    // One Message-ID per delivery: a retried send carries the same id, so the receiving side (and
    // its threading) sees one message, and a reply's In-Reply-To names the delivery it answers.
    messageId: messageIdOf(message.deliveryId, from),
    ...(content.inReplyTo ? { inReplyTo: content.inReplyTo } : {}),
    ...(content.references && content.references.length > 0 ? { references: content.references } : {}),
    ...(content.replyTo ? { replyTo: content.replyTo } : {}),
    // Other auto-responders (out of office) do not answer an automatic message: no mail loop.
    ...(content.automatic ? { headers: { "Auto-Submitted": "auto-replied" } } : {}),
  };
}

/** `<deliveryId@sender's domain>`, the form RFC 5322 asks for. */
export function messageIdOf(deliveryId: string, from: string): string {
  const [parsed] = addressparser(from);
  const address = parsed && "address" in parsed ? parsed.address : undefined;
  const domain = address?.split("@")[1] ?? "switchboard.invalid";
  return `<${deliveryId}@${domain}>`;
}
